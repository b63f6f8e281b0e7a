"""Public MD (shared/data/public_md): the real files load, featurize and sample as their README says."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import mdtraj
import numpy as np
import pytest

from conftest import SHARED
from trajgen.engine.dataset.features import build_cache, featurize, load_features
from trajgen.engine.dataset.public_md import (
    BY_NAME, CA_ONLY_REASON, SYSTEMS, _load, public_md_refs, public_md_skipped, replica_bounds,
)
from trajgen.engine.dataset.slots import SlotMap
from trajgen.engine.dataset.windows import WindowConfig, WindowSampler, stride_range
from trajgen.engine.errors import StructureError, TrajgenError

PUBLIC = SHARED / "data" / "public_md"

# From public_md/README.md: residues (amino acids with a backbone; dpdp's 21 count its ACE cap), frames
# per file, spacing in ps (None: "?").
README = {
    "rhodopsin_1u19": (348, (151,), 20.0),
    "p38_mapk": (351, (100,), None),
    "b2ar_gs": (1043, (56,), 50.0),
    "gpcr_prolif": (302, (250,), 6000.0),
    "saxs_dimer": (512, (26,), 200.0),
    "trpzip2": (12, (1201, 101), None),
    "dpdp": (21 - 1, (100,), None),
}
CA_ONLY = {"dhfr_1rx2_ca", "hiv_protease_ca"}


@pytest.fixture(scope="module")
def all_refs():
    """Every all-atom system, held-out screen off (the screen has its own tests in test_dataset_splits)."""
    return public_md_refs(PUBLIC, heldout_fasta=None)


@pytest.fixture(scope="module")
def loaded(all_refs):
    return {ref.key: ref.load() for ref in all_refs}


def _by_system(all_refs, loaded, name):
    return [loaded[r.key] for r in all_refs if r.name == name]


def test_the_table_covers_the_nine_systems_of_the_readme():
    assert {s.name for s in SYSTEMS} == set(README) | CA_ONLY
    assert all(s.license and s.source for s in SYSTEMS)
    assert {s.name for s in SYSTEMS if not s.spacing_known} == {"p38_mapk", "trpzip2", "dpdp", "hiv_protease_ca"}


def test_every_all_atom_system_is_listed_and_the_ca_only_ones_are_refused_with_the_reason(all_refs):
    assert {r.name for r in all_refs} == set(README)
    assert len({r.key for r in all_refs}) == len(all_refs)
    skipped = dict(public_md_skipped(PUBLIC, heldout_fasta=None))
    assert set(skipped) == CA_ONLY
    assert all(reason == CA_ONLY_REASON and "CA-only" in reason for reason in skipped.values())


@pytest.mark.parametrize("name", sorted(CA_ONLY))
def test_the_ca_only_files_really_cannot_give_backbone_frames(name):
    system = BY_NAME[name]
    trajectory, topology = system.files[0]
    first = mdtraj.load_frame(str(PUBLIC / name / trajectory), 0, top=str(PUBLIC / name / topology))
    assert {a.name for a in first.topology.atoms} == {"CA"}
    with pytest.raises(StructureError):
        SlotMap.from_topology(first.topology)


@pytest.mark.parametrize("name", sorted(README))
def test_each_system_loads_protein_heavy_atoms_in_angstrom_as_the_readme_says(all_refs, loaded, name):
    residues, frames, spacing = README[name]
    trajs = _by_system(all_refs, loaded, name)
    assert sum(t.n_frames for t in trajs) == sum(frames)
    for traj in trajs:
        assert traj.xyz.dtype == np.float32 and traj.xyz.ndim == 3 and np.isfinite(traj.xyz).all()
        assert traj.xyz.shape[1] == traj.topology.n_atoms
        assert not any(a.element is not None and a.element.symbol == "H" for a in traj.topology.atoms)
        assert all({"N", "CA", "C"} <= {a.name for a in res.atoms} for res in traj.topology.residues)
        assert traj.source == "public_md" and traj.temperature_K == 300.0
        if spacing is None:
            assert math.isnan(traj.dt_ps)
        else:
            assert traj.dt_ps == spacing
        slots = SlotMap.from_topology(traj.topology)
        assert len(slots.aatype) == residues
        positions = slots.to_slots(traj.xyz[0])
        ca = positions[:, 1]
        within = ~slots.segment_start(positions)[1:]
        gaps = np.linalg.norm(ca[1:] - ca[:-1], axis=-1)[within]
        assert 3.75 < np.median(gaps) < 3.9, name               # Angstrom, not nm
        assert gaps.min() > 2.7 and gaps.max() < 4.2, name         # 2.9 A: cis peptides
        extent = np.ptp(traj.xyz[0], axis=0).max()
        assert 15.0 < extent < 250.0


def test_ligands_dna_and_caps_are_stripped_and_retinal_lysine_stays_as_backbone(all_refs, loaded):
    names = {name: {r.name for t in _by_system(all_refs, loaded, name) for r in t.topology.residues}
             for name in README}
    assert not names["gpcr_prolif"] & {"LIG"} and not names["b2ar_gs"] & {"P0G"}
    assert not names["saxs_dimer"] & {"DA", "DC", "DG", "DT"}
    assert not (names["dpdp"] | names["trpzip2"]) & {"ACE", "NHE", "NME"}
    rhodopsin = _by_system(all_refs, loaded, "rhodopsin_1u19")[0]
    assert "LRT" in names["rhodopsin_1u19"] and "ACE" not in names["rhodopsin_1u19"]
    assert SlotMap.from_topology(rhodopsin.topology).sequence.count("X") == 3   # LRT (K296 + retinal), 2 x YPL


def test_the_gpcr_file_splits_into_three_replicas_where_its_time_restarts(all_refs, loaded):
    refs = [r for r in all_refs if r.name == "gpcr_prolif"]
    trajs = [loaded[r.key] for r in refs]
    assert [t.replica for t in trajs] == ["r0", "r1", "r2"]
    assert [t.n_frames for t in trajs] == [84, 83, 83]
    path = PUBLIC / "gpcr_prolif"
    whole = mdtraj.load(str(path / "traj.xtc"), top=str(path / "top.pdb"))
    bounds = replica_bounds(whole.time)
    assert bounds == [(0, 84), (84, 167), (167, 250)]
    for (start, stop), traj in zip(bounds, trajs):
        steps_fs = np.diff(whole.time[start:stop])
        np.testing.assert_allclose(steps_fs, 6.0e6)           # 6 ns in fs, every frame of the replica
        ca = [a.index for a in whole.topology.atoms if a.name == "CA" and a.residue.name != "LIG"]
        ca_here = [a.index for a in traj.topology.atoms if a.name == "CA"]
        np.testing.assert_allclose(traj.xyz[:, ca_here], whole.xyz[start:stop, ca] * 10.0, atol=1e-4)


def test_the_b2ar_complex_under_one_chain_id_becomes_four_chains_with_the_icl3_break(all_refs, loaded):
    traj = _by_system(all_refs, loaded, "b2ar_gs")[0]
    feats = featurize(traj)
    assert traj.topology.n_chains == 4                           # Gs alpha, beta, gamma, receptor
    assert np.flatnonzero(feats["segment_start"]).tolist() == [0, 354, 694, 760, 967]
    assert np.flatnonzero(feats["chain_end"]).tolist() == [353, 693, 759, 1042]


def test_a_table_spacing_the_file_contradicts_is_refused():
    wrong = dataclasses.replace(BY_NAME["rhodopsin_1u19"], spacing_ps=10.0)
    trajectory, topology = wrong.files[0]
    with pytest.raises(TrajgenError, match="20 ps apart"):
        _load(PUBLIC, wrong, trajectory, topology, "0", None)


def test_unknown_spacing_is_nan_in_the_cache_and_never_gives_a_window(tmp_path):
    refs = public_md_refs(PUBLIC, names=["rhodopsin_1u19", "dpdp"], heldout_fasta=None)
    paths = build_cache(refs, tmp_path)
    by_name = {load_features(p)["name"]: p for p in paths}
    assert math.isnan(float(load_features(by_name["dpdp"])["dt_ps"]))
    assert stride_range(100, math.nan, WindowConfig(n_frames=4)) is None
    config = WindowConfig(n_frames=4, min_stride_ps=20.0, max_stride_ps=1000.0)
    with pytest.raises(TrajgenError, match="unknown frame spacing"):
        WindowSampler([by_name["dpdp"]], config)
    sampler = WindowSampler(paths, config)
    assert list(sampler.skipped) == [by_name["dpdp"]] and "unknown" in sampler.skipped[by_name["dpdp"]]
    rng = np.random.default_rng(0)
    batch = sampler.batch(64, rng)
    assert set(batch["traj_index"].tolist()) == {paths.index(by_name["rhodopsin_1u19"])}
    assert np.isfinite(batch["dt_ps"]).all()


def test_featurized_rhodopsin_gives_windows_at_multiples_of_its_20_ps_spacing(tmp_path):
    (path,) = build_cache(public_md_refs(PUBLIC, names=["rhodopsin_1u19"], heldout_fasta=None), tmp_path)
    feats = load_features(path)
    assert feats["trans"].shape == (151, 348, 3) and float(feats["dt_ps"]) == 20.0
    config = WindowConfig(n_frames=8, min_stride_ps=20.0, max_stride_ps=2000.0, crop_residues=128)
    sampler = WindowSampler([path], config)
    batch = sampler.batch(32, np.random.default_rng(1))
    assert batch["trans"].shape == (32, 8, 128, 3) and batch["rot"].shape == (32, 8, 128, 3, 3)
    k = batch["stride_frames"]
    np.testing.assert_allclose(batch["dt_ps"], 20.0 * k)
    assert k.min() >= 1 and k.max() <= 150 // 7 and len(set(k.tolist())) > 1
    w = 0
    frames = batch["start_frame"][w] + k[w] * np.arange(8)
    first = int(batch["residue_index"][w, 0])
    expected = feats["trans"][frames, first:first + 128]
    np.testing.assert_allclose(batch["trans"][w], expected - expected[0].mean(axis=0), atol=1e-4)


def test_train_config_resolves_public_md_folders_and_featurizes_them(tmp_path):
    from trajgen.engine.train.config import TrainConfig
    from trajgen.engine.train.data import _source_refs

    config = TrainConfig.from_dict({"data": {"public_md": [str(Path("..") / "public_md")]}},
                                   base_dir=PUBLIC.parent / "structures")
    assert config.data.public_md == (str(PUBLIC.parent / "structures" / ".." / "public_md"),)
    refs = _source_refs(config.data)            # screened against the heldout.fasta beside the folder
    assert {r.name for r in refs} == {"rhodopsin_1u19", "b2ar_gs", "gpcr_prolif", "saxs_dimer"}
    assert len(refs) == 6


def test_the_cli_featurizes_public_md_and_names_what_it_skipped(tmp_path, capsys):
    from trajgen.engine.cli import main

    assert main(["data", "featurize", "--public-md", str(PUBLIC), "--out", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert "dhfr_1rx2_ca skipped: CA-only" in out and "hiv_protease_ca skipped: CA-only" in out
    assert "p38_mapk skipped" in out and "held-out" in out
    files = sorted((tmp_path / "cache").glob("*.npz"))
    assert len(files) == 6
    assert {load_features(f)["source"] for f in files} == {"public_md"}


def test_the_model_card_names_the_public_md_a_run_used_with_license_and_source():
    from trajgen.engine.train.model_card import _public_md_lines, public_md_facts

    rows = public_md_facts({"rhodopsin_1u19", "gpcr_prolif", "1GUU_A"})
    assert [r["name"] for r in rows] == ["rhodopsin_1u19", "gpcr_prolif"]
    text = "\n".join(_public_md_lines(rows))
    assert "NGL viewer example data, license MIT" in text and "ProLIF 2.2.3 data, license Apache-2.0" in text
    assert "20 ps apart" in text and "assumed" in text
    assert public_md_facts({"1GUU_A"}) == [] and _public_md_lines([]) == []
