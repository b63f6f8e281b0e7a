"""The MD campaign: its plan, the held-out screen, locks, deadlines and resuming (real OpenMM runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import mdtraj
import numpy as np
import pytest

from trajgen.engine.md.campaign import (
    CampaignConfig, CampaignTier, RunLock, plan_runs, run_campaign, screen_candidates, summary, yield_table,
)
from trajgen.engine.md.config import SimulationConfig
from trajgen.engine.md.files import RunFiles
from conftest import SHARED

PFAM = SHARED / "data/structures/pfam40"
HELDOUT = SHARED / "data/heldout.fasta"
TINY = {"short": CampaignTier("short", production_ps=0.8, stride_ps=0.2, equilibration_ps=0.2, checkpoint_ps=0.4)}


@pytest.fixture(scope="module")
def peptides(tmp_path_factory) -> list[Path]:
    """Two 10-residue fragments of the Myb domain 1GUU chain A (KTRWTREEDE, CQHRWQKVLN): both pass the screen."""
    full = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    folder = tmp_path_factory.mktemp("structures")
    paths = []
    for name, sel in (("pep10", "resid 0 to 9"), ("pep10b", "resid 38 to 47")):
        path = folder / f"{name}.pdb"
        full.atom_slice(full.topology.select(sel)).save_pdb(str(path))
        paths.append(path)
    return paths


def test_plan_puts_small_proteins_first_with_both_temperatures_and_long_runs_only_for_the_smallest(tmp_path):
    files = [PFAM / n for n in ("1TZV_A.pdb", "1GUU_A.pdb", "1BXY_A.pdb", "1UCS_A.pdb", "2O9S_A.pdb", "3I2Z_A.pdb")]
    config = CampaignConfig(structures=tuple(files), out_dir=tmp_path, heldout_fasta=HELDOUT)
    candidates, refused = screen_candidates(config)
    assert not refused
    assert [c.name for c in candidates][:3] == ["1GUU_A", "1BXY_A", "1UCS_A"]
    runs = plan_runs(config, candidates)
    short = [r for r in runs if r.label == "short"]
    long = [r for r in runs if r.label == "long"]
    assert [(r.protein, r.temperature_K) for r in short[:4]] == [("1GUU_A", 300), ("1GUU_A", 350),
                                                                  ("1BXY_A", 300), ("1BXY_A", 350)]
    assert len(short) == 12 and {r.protein for r in long} == {c.name for c in candidates[:4]}
    assert all(r.production_ps >= 2000 and r.report_interval_ps == 10 for r in long)
    assert short[0].run_id == "1GUU_A_obc_300K_s0_short" and long[0].run_id == "1GUU_A_obc_300K_s0_long"


def test_a_long_tier_keeps_the_proteins_it_started_when_smaller_candidates_arrive(tmp_path):
    files = [PFAM / n for n in ("1UCS_A.pdb", "2O9S_A.pdb", "3I2Z_A.pdb", "1WVN_A.pdb", "1TZV_A.pdb")]
    config = CampaignConfig(structures=tuple(files), out_dir=tmp_path, heldout_fasta=HELDOUT, tiers=("long",))
    first = {r.protein for r in plan_runs(config, screen_candidates(config)[0])}
    assert first == {"1UCS_A", "2O9S_A", "3I2Z_A", "1WVN_A"}
    (tmp_path / "2O9S_A_obc_300K_s0_long.pdb").write_text("")          # an interrupted long run
    larger = CampaignConfig(structures=tuple(files) + (PFAM / "1GUU_A.pdb", PFAM / "1BXY_A.pdb"), out_dir=tmp_path,
                            heldout_fasta=HELDOUT, tiers=("long",))
    later = {r.protein for r in plan_runs(larger, screen_candidates(larger)[0])}
    assert later == {"1GUU_A", "1BXY_A", "1UCS_A", "2O9S_A"}
    (tmp_path / "1BXY_A_obc_300K_s0_short.failed.json").write_text('{"error": "no template"}')
    without = {r.protein for r in plan_runs(larger, screen_candidates(larger)[0])}
    assert without == {"1GUU_A", "1UCS_A", "2O9S_A", "3I2Z_A"}                # a protein OpenMM failed on is passed over


def test_heldout_relatives_are_refused_with_the_reason(tmp_path):
    # 1FQT_A is 45% identical to Trp-cage over the shorter sequence
    config = CampaignConfig(structures=(PFAM / "1FQT_A.pdb", PFAM / "1GUU_A.pdb"), out_dir=tmp_path,
                            heldout_fasta=HELDOUT)
    candidates, refused = screen_candidates(config)
    assert [c.name for c in candidates] == ["1GUU_A"]
    assert len(refused) == 1 and "1FQT_A" in refused[0] and "trpcage" in refused[0]


def test_a_campaign_of_only_heldout_relatives_runs_nothing(tmp_path):
    config = CampaignConfig(structures=(PFAM / "1FQT_A.pdb",), out_dir=tmp_path / "md", heldout_fasta=HELDOUT)
    with pytest.raises(Exception, match="No structure passed"):
        run_campaign(config)
    assert not (tmp_path / "md").exists()


def test_a_live_lock_keeps_a_run_for_its_process_and_a_stale_one_is_taken_over(tmp_path):
    files = RunFiles(tmp_path, "x_obc_300K_s0_short")
    lock_path = tmp_path / "x_obc_300K_s0_short.lock"
    lock_path.write_text(str(os.getppid()))          # a live process that is not this one
    assert not RunLock(files).acquire()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_path.write_text(dead.stdout.strip())        # that process has exited
    lock = RunLock(files)
    assert lock.acquire() and lock_path.read_text() == str(os.getpid())
    lock.release()
    assert not lock_path.exists()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_campaign_stops_at_the_deadline_and_resumes_where_it_stopped(peptides, tmp_path):
    pytest.importorskip("openmm")
    pytest.importorskip("pdbfixer")
    out = tmp_path / "md"
    base = dict(structures=tuple(peptides), out_dir=out, heldout_fasta=HELDOUT, tiers=("short",), tier_table=TINY,
                platform="CPU")
    stopped = run_campaign(CampaignConfig(**base, stop_at=time.time() - 1))
    assert stopped.stopped and not stopped.finished and not list(out.glob("*.row.json"))

    # stop inside the first run, after its first chunk: the checkpoint stays for the next call
    from trajgen.engine.md import run_simulation

    first = plan_runs(CampaignConfig(**base), screen_candidates(CampaignConfig(**base))[0])[0]
    asked = []
    assert run_simulation(first, should_stop=lambda: asked.append(1) or len(asked) > 1) is None
    files = RunFiles(out, first.run_id)
    assert files.state_xml.exists() and files.part(0).exists() and not files.row_json.exists()
    with mdtraj.formats.XTCTrajectoryFile(str(files.part(0))) as fh:
        kept, _, _, _ = fh.read()

    later = plan_runs(CampaignConfig(**base), screen_candidates(CampaignConfig(**base))[0])[-1]
    assert run_simulation(later, should_stop=lambda: asked.append(1) or len(asked) > 3) is None
    done = run_campaign(CampaignConfig(**base))
    assert not done.failed and len(done.finished) == 4            # 2 peptides x 300 K, 350 K
    assert set(done.finished[:2]) == {first.run_id, later.run_id}  # interrupted runs are finished first
    rows = [json.loads(p.read_text()) for p in sorted(out.glob("*.row.json"))]
    assert {r["label"] for r in rows} == {"short"} and {r["temperature_K"] for r in rows} == {300.0, 350.0}
    traj = mdtraj.load(str(files.xtc), top=str(files.topology_pdb))
    assert traj.n_frames == 4 and np.allclose(traj.time, [0.2, 0.4, 0.6, 0.8], atol=1e-3)
    np.testing.assert_array_equal(traj.xyz[: len(kept)], kept)   # frames before the stop are kept exactly
    assert not list(out.glob("*.lock")) and not list(out.glob("*.prepared.cif")) and not list(out.glob("*.part*"))
    again = run_campaign(CampaignConfig(**base))
    assert len(again.already_done) == 4 and not again.finished
    totals = summary(rows)
    assert totals["proteins"] == 2 and totals["proteins_with_300K_and_350K"] == 2
    table = yield_table(rows)
    assert "| 0-39 | 4 | 2 |" in table
    from trajgen.engine.evaluate.temperature import ratio_table, temperature_pairs

    pairs = temperature_pairs(out, rows)
    assert sorted(p.protein for p in pairs) == ["pep10", "pep10b"]
    assert all(0.01 < p.rmsf_low_A < 5 and 0.01 < p.rmsf_high_A < 5 for p in pairs)
    assert "median of 2" in ratio_table(pairs)


def test_a_structure_openmm_cannot_parametrize_fails_once_and_is_not_retried(tmp_path):
    pytest.importorskip("openmm")
    pytest.importorskip("pdbfixer")
    # a peptide that passes the screen, with one atom no force-field template has (CX9 on a cysteine)
    full = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    full.atom_slice(full.topology.select("resid 38 to 47")).save_pdb(str(tmp_path / "pep.pdb"))
    lines = (tmp_path / "pep.pdb").read_text().splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("ATOM") and " CB " in line)
    lines.insert(i + 1, lines[i][:12] + " CX9" + lines[i][16:30] + f"{float(lines[i][30:38]) + 1.5:8.3f}" + lines[i][38:])
    bad = tmp_path / "bad.pdb"
    bad.write_text("\n".join(lines) + "\n")
    base = dict(structures=(bad,), out_dir=tmp_path / "md", heldout_fasta=HELDOUT, tiers=("short",), tier_table=TINY,
                platform="CPU", temperatures_K=(300.0,))
    first = run_campaign(CampaignConfig(**base))
    assert list(first.failed) == ["bad_obc_300K_s0_short"]
    saved = json.loads((tmp_path / "md" / "bad_obc_300K_s0_short.failed.json").read_text())
    assert saved["error"] == first.failed["bad_obc_300K_s0_short"]
    assert not list((tmp_path / "md").glob("*.prepared.cif"))
    again = run_campaign(CampaignConfig(**base))
    assert again.failed["bad_obc_300K_s0_short"].startswith("earlier: ") and not again.finished


def test_campaign_command_reports_a_folder(tmp_path):
    row = {"run_id": "a_obc_300K_s0_short", "protein": "a", "n_residues": 55, "platform": "CPU",
           "ns_per_day": 20.0, "length_ps": 100.0, "stride_ps": 1.0, "temperature_K": 300.0}
    (tmp_path / "a_obc_300K_s0_short.row.json").write_text(json.dumps(row))
    out = subprocess.run([sys.executable, "-m", "trajgen.engine.cli", "data", "campaign", "--out", str(tmp_path),
                          "--heldout", str(HELDOUT), "--report"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '"proteins": 1' in out.stdout and "| 40-59 | 1 | 1 | 20.0 | 0.83 | 0.10 |" in out.stdout


def test_run_ids_of_other_plans_do_not_collide():
    a = SimulationConfig(pdb_path=PFAM / "1GUU_A.pdb", out_dir=Path("x"))
    b = SimulationConfig(pdb_path=PFAM / "1GUU_A.pdb", out_dir=Path("x"), label="long")
    assert a.run_id == "1GUU_A_obc_300K_s0" and b.run_id == "1GUU_A_obc_300K_s0_long"
