"""The reference suite: baselines through the streaming API, Calpha-only references, the learned model."""

import numpy as np
import pytest

from model_inputs import tiny_torch_backend
from trajgen.engine.baselines.enm import enm_trajectory
from trajgen.engine.evaluate.suite import ReferenceTarget, generated_methods, run_suite, streamed_trajectory
from trajgen.engine.structure import load_protein
from conftest import SHARED

REFERENCE_DIR = f"{SHARED}/data/reference"
TRPCAGE = f"{REFERENCE_DIR}/trpcage_1l2y.pdb"


def test_a_calpha_only_reference_is_evaluated_with_the_skipped_checks_named(tmp_path):
    text = run_suite(REFERENCE_DIR, str(tmp_path), seed=0, stems=["bpti_ca"]).read_text()
    assert "## bpti_ca" in text and "Calpha network (the reference has only Calpha atoms)" in text
    assert "Exposed-residue Jaccard skipped: the structure has no side-chain atoms." in text
    assert "| RMSF Pearson r | " in text


def test_the_streamed_enm_baseline_is_the_enm_generator():
    protein = load_protein(TRPCAGE)
    streamed = streamed_trajectory(protein, 4, 10.0, 300.0, seed=3).xyz * 10.0
    direct = np.stack([protein.heavy_atom_xyz(f) for f in enm_trajectory(protein, 4, 10.0, 300.0, seed=3)])
    np.testing.assert_allclose(streamed, direct, atol=1e-4)


@pytest.fixture(scope="module")
def tiny_backend():
    return tiny_torch_backend(seed=1)


def test_the_learned_model_joins_the_baselines_when_a_backend_is_given(tiny_backend):
    target = ReferenceTarget("trpcage_1l2y", 100.0, 300.0)
    methods, notes, _ = generated_methods(target, TRPCAGE, 3, seed=0, backend=tiny_backend)
    assert [label for label, _ in methods] == ["ENM Langevin", "trajgen model"]
    assert methods[1][1].n_frames == 3 and notes == []


def test_a_request_the_model_refuses_becomes_a_note(tiny_backend):
    target = ReferenceTarget("trpcage_1l2y", 1.0, 300.0)  # 1 ps: below the model's shortest stride
    methods, notes, _ = generated_methods(target, TRPCAGE, 3, seed=0, backend=tiny_backend)
    assert [label for label, _ in methods] == ["ENM Langevin"]
    assert len(notes) == 1 and notes[0].startswith("trajgen model not run:")
