"""End-to-end evaluation of real MD pieces: pair metrics, aggregates, report files and the CLI."""

import argparse
import json

import mdtraj as md
import numpy as np
import pytest

from trajgen.engine.cli import evaluate as cli_evaluate
from trajgen.engine.evaluate.compare import aggregate, evaluate_pair
from trajgen.engine.evaluate.ensemble import prepare_pair
from trajgen.engine.evaluate.report import report_dict, write_report
from conftest import SHARED

REF = f"{SHARED}/data/reference/trpcage_1l2y"


@pytest.fixture(scope="module")
def md_traj() -> md.Trajectory:
    return md.load(REF + ".xtc", top=REF + ".pdb")[:120]


@pytest.fixture(scope="module")
def self_result(md_traj):
    gen, ref, start = prepare_pair(md_traj[:60], md_traj[:60], 1.0, 1.0, "MD copy")
    return evaluate_pair(gen, ref, start, "trpcage", "MD copy")


@pytest.fixture(scope="module")
def half_result(md_traj):
    gen, ref, start = prepare_pair(md_traj[60:], md_traj[:60], 1.0, 1.0, "MD 2nd half")
    return evaluate_pair(gen, ref, start, "trpcage", "MD 2nd half")


def test_md_against_itself_scores_perfectly(self_result):
    m = self_result.metrics
    assert m["rmsf_pearson"] == pytest.approx(1.0)
    assert m["rmwd_A"] == pytest.approx(0.0, abs=1e-3)
    assert m["md_pca_w2_A"] == pytest.approx(0.0, abs=1e-6)
    assert m["coverage_recall"] == 1.0 and m["coverage_jsd"] == pytest.approx(0.0)
    assert m["acf_tic1_deviation"] == pytest.approx(0.0)
    assert m["vamp2_gen"] == pytest.approx(m["vamp2_ref"])
    assert m["valid_fraction"] == m["valid_fraction_ref"]


def test_another_stretch_of_md_scores_worse_than_itself(self_result, half_result):
    assert half_result.metrics["rmwd_A"] > self_result.metrics["rmwd_A"] + 0.1
    assert half_result.metrics["md_pca_w2_A"] > 0.05


def test_pairwise_rmsd_correlation_needs_three_targets(self_result, half_result):
    assert np.isnan(aggregate([self_result, half_result])["pairwise_rmsd_pearson"])


def test_global_rmsf_correlation_pools_atoms_of_all_targets(self_result):
    assert aggregate([self_result, self_result])["global_rmsf_pearson"] == pytest.approx(1.0)


def test_json_report_writes_undefined_values_as_null(self_result):
    self_result.metrics["made_up_undefined"] = float("nan")
    try:
        text = json.dumps(report_dict([self_result]), allow_nan=False)
    finally:
        del self_result.metrics["made_up_undefined"]
    assert '"made_up_undefined": null' in text


def test_report_folder_holds_markdown_json_and_small_plots(tmp_path, self_result, half_result):
    path = write_report([self_result, half_result], tmp_path, "test report")
    text = path.read_text()
    assert "| RMWD (Å) |" in text and "trpcage_rmsf.png" in text
    pngs = sorted(tmp_path.glob("*.png"))
    assert [p.name for p in pngs] == ["trpcage_dynamics.png", "trpcage_pca.png", "trpcage_rmsf.png",
                                      "trpcage_validity.png"]
    assert all(p.stat().st_size < 200_000 for p in pngs)
    assert json.loads((tmp_path / "metrics.json").read_text())["targets"]["trpcage"]["MD 2nd half"]


def test_report_is_the_same_for_the_same_seed(tmp_path, self_result, half_result):
    a = write_report([half_result], tmp_path / "a", "same").parent
    b = write_report([half_result], tmp_path / "b", "same").parent
    assert (a / "metrics.json").read_bytes() == (b / "metrics.json").read_bytes()
    assert (a / "trpcage_pca.png").read_bytes() == (b / "trpcage_pca.png").read_bytes()


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="trajgen")
    cli_evaluate.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_prints_json_metrics(tmp_path, capsys, md_traj):
    gen, ref = tmp_path / "gen.dcd", tmp_path / "ref.dcd"
    md_traj[60:].save_dcd(str(gen))
    md_traj[:60].save_dcd(str(ref))
    code = _cli(["evaluate", str(gen), str(ref), "--gen-top", REF + ".pdb", "--ref-top", REF + ".pdb",
                 "--gen-dt-ps", "1", "--ref-dt-ps", "1", "--json", "--target", "trpcage"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert 0.0 <= out["targets"]["trpcage"]["generated"]["metrics"]["valid_fraction"] <= 1.0


def test_cli_pools_reference_replicas(tmp_path, capsys, md_traj):
    gen, ref1, ref2 = (tmp_path / n for n in ("gen.dcd", "ref1.dcd", "ref2.dcd"))
    md_traj[80:].save_dcd(str(gen))
    md_traj[:40].save_dcd(str(ref1))
    md_traj[40:80].save_dcd(str(ref2))
    code = _cli(["evaluate", str(gen), str(ref1), str(ref2), "--gen-top", REF + ".pdb", "--ref-top", REF + ".pdb",
                 "--gen-dt-ps", "1", "--ref-dt-ps", "1", "--json", "--target", "trpcage"])
    metrics = json.loads(capsys.readouterr().out)["targets"]["trpcage"]["generated"]["metrics"]
    assert code == 0 and metrics["pairwise_rmsd_ref_A"] > 0


def test_replicas_with_different_atoms_are_refused(tmp_path):
    from trajgen.engine.evaluate.ensemble import EvaluationError, load_runs

    full = md.load(REF + ".pdb")
    heavy = full.atom_slice(full.topology.select("not element H"))
    full.save_pdb(str(tmp_path / "a.pdb"))
    heavy.save_pdb(str(tmp_path / "b.pdb"))
    with pytest.raises(EvaluationError, match="share a topology"):
        load_runs([str(tmp_path / "a.pdb"), str(tmp_path / "b.pdb")])
