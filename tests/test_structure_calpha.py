"""Backbone rebuilt from a Calpha trace: accuracy on real structures, chain gaps, the held-out screen of the fit."""

import numpy as np
import pytest

from conftest import REFERENCE, SHARED, pfam40_files
from trajgen.engine.assets import example_structure
from trajgen.engine.dataset.splits import read_fasta
from trajgen.engine.structure import load_protein
from trajgen.engine.structure.calpha import (fit_backbone_model, fit_from_files, load_backbone_model,
                                             rebuild_backbone, segments)


def _backbone(path):
    pos = np.asarray(load_protein(path, complete=False).positions, np.float64)
    return pos[:, 0], pos[:, 1], pos[:, 2]


def _rmsd(a, b):
    return float(np.sqrt(((a - b) ** 2).sum(-1).mean()))


@pytest.mark.parametrize("path", [example_structure(), *pfam40_files()[:3]])
def test_the_shipped_fit_places_n_and_c_within_half_an_angstrom(path):
    n, ca, c = _backbone(path)
    model, reported = load_backbone_model()
    n_hat, c_hat = rebuild_backbone(ca, model)
    assert _rmsd(n_hat, n) < 0.5 and _rmsd(c_hat, c) < 0.5 and reported < 0.4


def test_a_gap_in_the_trace_starts_a_new_segment_and_both_halves_are_rebuilt():
    n, ca, c = _backbone(example_structure())
    moved = ca.copy()
    moved[25:] += np.array([30.0, 0.0, 0.0])                     # a break between residues 24 and 25
    assert [(s.start, s.stop) for s in segments(moved)] == [(0, 25), (25, len(ca))]
    n_hat, _ = rebuild_backbone(moved, load_backbone_model()[0])
    assert _rmsd(n_hat[25:] - [30.0, 0.0, 0.0], n[25:]) < 0.6 and _rmsd(n_hat[:25], n[:25]) < 0.6


def test_a_fit_on_a_few_chains_beats_a_fixed_guess_on_held_apart_ones():
    chains = [_backbone(p) for p in pfam40_files()[:10]]
    model, rmsd = fit_backbone_model(chains)
    assert rmsd < 0.5 and set(model) == {"interior", "first", "last"} and model["interior"].shape == (7, 6)


def test_the_fit_leaves_out_relatives_of_held_out_proteins():
    heldout = read_fasta(SHARED / "data" / "heldout.fasta")
    trpcage = str(REFERENCE / "trpcage_1l2y.pdb")
    kept = [str(example_structure()), str(pfam40_files()[0])]
    _, _, count, excluded = fit_from_files([*kept, trpcage], heldout)
    assert list(excluded) == [trpcage] and count == sum(load_protein(p).n_residues for p in kept)
