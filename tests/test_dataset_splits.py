"""Sequence-identity splits: nothing in training is >= 40% identical to a held-out sequence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trajgen.engine.dataset.candidates import SOURCES, chain_sequences, screen_file
from trajgen.engine.dataset.splits import (
    SplitConfig, heldout_exclusions, identity_clusters, max_identity, read_fasta, split_by_identity,
)
from trajgen.engine.structure import load_protein
from conftest import SHARED

DATA = SHARED / "data"
PFAM = DATA / "structures" / "pfam40"


@pytest.fixture(scope="module")
def heldout() -> dict[str, str]:
    return read_fasta(DATA / "heldout.fasta")


@pytest.fixture(scope="module")
def pfam_sequences() -> dict[str, str]:
    return {p.stem: load_protein(p).sequence for p in sorted(PFAM.glob("*.pdb"))}


@pytest.fixture(scope="module")
def pfam_split(pfam_sequences, heldout):
    return split_by_identity(pfam_sequences, heldout, SplitConfig(val_fraction=0.1, seed=0))


def test_fasta_reader_keeps_names_and_joins_wrapped_lines(tmp_path):
    path = tmp_path / "x.fasta"
    path.write_text(">first protein\nMKV\nIFL\n>second\nGG\n")
    assert read_fasta(path) == {"first": "MKVIFL", "second": "GG"}


def test_heldout_fasta_has_nine_sequences(heldout):
    assert len(heldout) == 9 and "ubiquitin_1ubq" in heldout


def test_no_pfam40_training_or_validation_protein_reaches_forty_percent_to_heldout(pfam_split, pfam_sequences,
                                                                                   heldout):
    for name in pfam_split.train + pfam_split.val:
        for ref_name, ref in heldout.items():
            assert max_identity(pfam_sequences[name], ref) < 0.40, (name, ref_name)


def test_every_pfam40_protein_is_accounted_for_once(pfam_split, pfam_sequences):
    names = pfam_split.train + pfam_split.val + list(pfam_split.excluded)
    assert sorted(names) == sorted(pfam_sequences)


def test_validation_has_no_close_relative_in_training(pfam_split, pfam_sequences):
    assert 3 <= len(pfam_split.val) <= 5
    for v in pfam_split.val:
        for t in pfam_split.train:
            assert max_identity(pfam_sequences[v], pfam_sequences[t]) < 0.40


def test_a_heldout_protein_itself_is_excluded(heldout):
    ubiquitin_variant = heldout["ubiquitin_1ubq"][:40] + "A" + heldout["ubiquitin_1ubq"][41:]
    excluded = heldout_exclusions({"ubq_mutant": ubiquitin_variant}, heldout)
    assert excluded["ubq_mutant"][0] == "ubiquitin_1ubq" and excluded["ubq_mutant"][1] > 0.95


def test_clusters_join_relatives_and_keep_strangers_apart():
    seq = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG"
    clusters = identity_clusters({"a": seq, "b": seq[:60] + "WWWWWWWWWWWWWWWW", "c": "LSDEDFKAVFGMTRSAFANLPLWKQQNLKKEKGLF"})
    assert clusters == [["a", "b"], ["c"]]


def test_multichain_sequences_count_their_most_identical_chain():
    assert max_identity("LSDEDFKAVFGMTRSAFANLPLWK/MKTAYIAKQR", "MKTAYIAKQR") == 1.0


def test_screen_rejects_a_heldout_structure_and_passes_an_unrelated_one(heldout, tmp_path):
    from trajgen.engine.structure import load_protein as load

    protein = load(PFAM / "1GUU_A.pdb")
    passing = screen_file(PFAM / "1GUU_A.pdb", heldout)
    assert passing.passes and passing.chain_lengths == (protein.n_residues,)
    fasta_twin = tmp_path / "twin.fasta"
    fasta_twin.write_text(">myb\n" + protein.sequence + "\n")
    assert not screen_file(PFAM / "1GUU_A.pdb", read_fasta(fasta_twin)).passes


def test_candidate_sources_name_a_fetch_command_and_patterns():
    assert SOURCES[0].name == "pfam40" and len(SOURCES[0].files(PFAM)) == 40
    assert all(s.fetch and s.patterns for s in SOURCES)


def test_no_approved_candidate_chain_reaches_forty_percent_to_heldout(heldout):
    """candidates.fasta: chains of pfam40 and pip-package structures that passed the screen."""
    import trajgen.engine.dataset.candidates as candidates

    approved = read_fasta(Path(candidates.__file__).with_name("candidates.fasta"))
    assert len(approved) >= 100
    for name, seq in approved.items():
        for ref_name, ref in heldout.items():
            assert max_identity(seq, ref) < 0.40, (name, ref_name)


def test_list_names_passing_files_within_the_size_limit(tmp_path):
    from trajgen.engine.dataset.candidates import main

    heldout_twin = tmp_path / "heldout.fasta"
    heldout_twin.write_text(">twin\n" + chain_sequences(PFAM / "1GUU_A.pdb")[0] + "\n")
    files = [PFAM / "1GUU_A.pdb", PFAM / "1BXY_A.pdb", PFAM / "1AQT_A.pdb"]  # 50 (held out), 60, 135 residues
    listing = tmp_path / "train.txt"
    main([*map(str, files), "--heldout", str(heldout_twin), "--list", str(listing), "--max-residues", "100"])
    assert listing.read_text().splitlines() == [str(PFAM / "1BXY_A.pdb")]


def test_public_md_systems_that_may_train_are_under_forty_percent_and_the_rest_are_refused(heldout):
    """public_md: screened by default; a system is listed for training only when splits.closest < 40%."""
    from trajgen.engine.dataset.public_md import SYSTEMS, public_md_refs, public_md_skipped, system_sequence
    from trajgen.engine.dataset.slots import SlotMap
    from trajgen.engine.dataset.splits import closest

    public = DATA / "public_md"
    refs = public_md_refs(public)
    listed = {r.name for r in refs}
    skipped = dict(public_md_skipped(public))
    assert listed == {"rhodopsin_1u19", "b2ar_gs", "gpcr_prolif", "saxs_dimer"}
    for system in SYSTEMS:
        if system.atoms == "CA":
            assert system.name in skipped and system.name not in listed
            continue
        ref_name, ident = closest(system_sequence(public, system), heldout)
        if ident < 0.40:
            assert system.name in listed, (system.name, ref_name, ident)
        else:
            assert system.name not in listed and ref_name in skipped[system.name], (system.name, ref_name, ident)
    for ref in refs:                        # what the loader actually hands to training, chain by chain
        traj = ref.load()
        slots = SlotMap.from_topology(traj.topology)
        starts = np.flatnonzero(slots.segment_start(slots.to_slots(traj.xyz[0]))).tolist()
        chains = "/".join(slots.sequence[a:b] for a, b in zip(starts, starts[1:] + [len(slots.sequence)]))
        ref_name, ident = closest(chains, heldout)
        assert ident < 0.40, (ref.key, ref_name, ident)


def test_no_protein_of_our_own_md_reaches_forty_percent_to_heldout(heldout):
    """data/md: every manifest row's sequence (checked against its own topology file) is < 40% identical."""
    import mdtraj

    from conftest import REPO
    from trajgen.engine.dataset.slots import SlotMap
    from trajgen.engine.dataset.splits import closest
    from trajgen.engine.md.manifest import read_manifest

    folder = REPO / "data" / "md"
    rows = read_manifest(folder)
    assert rows
    for row in rows:
        topology = mdtraj.load_topology(str(folder / row["topology"]))
        assert SlotMap.from_topology(topology).sequence == row["sequence"], row["run_id"]
        ref_name, ident = closest(row["sequence"], heldout)
        assert ident < 0.40, (row["run_id"], ref_name, ident)
