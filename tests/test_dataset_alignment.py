"""Global alignment and sequence identity (BLOSUM62, affine gaps, end-gap-free by default)."""

from __future__ import annotations

import numpy as np
import pytest

from trajgen.engine.dataset.alignment import AlignmentConfig, align, identity
from trajgen.engine.dataset.blosum62 import ALPHABET, BLOSUM62

UBIQUITIN = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG"


def rescore(aligned_a: str, aligned_b: str, config: AlignmentConfig) -> float:
    """Score of a gapped alignment computed column by column, independently of the aligner."""
    score, in_gap = 0.0, None
    cols = list(zip(aligned_a, aligned_b))
    first = next(i for i, (x, y) in enumerate(cols) if "-" not in (x, y))
    last = max(i for i, (x, y) in enumerate(cols) if "-" not in (x, y))
    for k, (x, y) in enumerate(cols):
        end = k < first or k > last
        if x == "-" or y == "-":
            kind = "a" if x == "-" else "b"
            if not (end and config.free_end_gaps):
                score -= config.gap_extend if in_gap == kind else config.gap_open
            in_gap = kind
        else:
            score += BLOSUM62[ALPHABET.index(x), ALPHABET.index(y)]
            in_gap = None
    return score


def test_blosum62_is_symmetric_with_known_entries():
    assert np.array_equal(BLOSUM62, BLOSUM62.T)
    idx = ALPHABET.index
    assert BLOSUM62[idx("W"), idx("W")] == 11 and BLOSUM62[idx("C"), idx("C")] == 9
    assert BLOSUM62[idx("A"), idx("R")] == -1 and BLOSUM62[idx("I"), idx("V")] == 3


def test_identical_sequences_are_fully_identical():
    result = align(UBIQUITIN, UBIQUITIN)
    assert result.identity == 1.0 and result.aligned_a == UBIQUITIN == result.aligned_b


def test_identity_counts_against_the_shorter_sequence():
    fragment = UBIQUITIN[20:50]
    assert identity(UBIQUITIN, fragment) == 1.0


def test_one_point_mutation_in_ten_residues_is_ninety_percent():
    assert identity("MKTAYIAKQR", "MKTAYIGKQR") == pytest.approx(0.9)


def test_deletion_is_bridged_by_one_gap():
    shortened = UBIQUITIN[:30] + UBIQUITIN[36:]
    result = align(UBIQUITIN, shortened)
    assert result.identity == 1.0
    assert result.aligned_b.count("-") == 6 and "------" in result.aligned_b


def test_reported_score_equals_the_score_of_the_reported_alignment():
    a, b = UBIQUITIN, "MKVIFLKDVKGMGKKGEIKNVADGYANNFLFKQGLAIEATPANLKALEAQKQ"
    for free in (True, False):
        config = AlignmentConfig(free_end_gaps=free)
        result = align(a, b, config)
        assert result.aligned_a.replace("-", "") == a and result.aligned_b.replace("-", "") == b
        assert rescore(result.aligned_a, result.aligned_b, config) == pytest.approx(result.score)


def test_penalized_end_gaps_lower_the_score_of_an_overhang():
    fragment = UBIQUITIN[10:40]
    free = align(UBIQUITIN, fragment).score
    penalized = align(UBIQUITIN, fragment, AlignmentConfig(free_end_gaps=False)).score
    left, right = 10.0 + 0.5 * 9, 10.0 + 0.5 * 35     # 10 and 36 overhanging residues
    assert penalized == pytest.approx(free - left - right)


def test_identity_scoring_counts_matches_only():
    result = align("ACDEFG", "ACDQFG", AlignmentConfig(matrix="identity", gap_open=1.0, gap_extend=1.0))
    assert result.score == 5.0 and result.matches == 5


def test_unrelated_sequences_stay_far_below_forty_percent():
    villin = "LSDEDFKAVFGMTRSAFANLPLWKQQNLKKEKGLF"
    assert identity(UBIQUITIN, villin) < 0.4


def test_empty_sequence_is_refused():
    with pytest.raises(ValueError, match="empty"):
        align("", UBIQUITIN)


@pytest.mark.parametrize("free_end_gaps", [True, False])
def test_optimal_scores_agree_with_biopython(free_end_gaps):
    """Independent reference: Biopython's PairwiseAligner with the same matrix and gap costs (if installed)."""
    bio_align = pytest.importorskip("Bio.Align")
    aligner = bio_align.PairwiseAligner(mode="global", substitution_matrix=bio_align.substitution_matrices.load(
        "BLOSUM62"), open_gap_score=-10.0, extend_gap_score=-0.5)
    if free_end_gaps:
        aligner.end_gap_score = 0.0
    rng = np.random.default_rng(4)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    for _ in range(40):
        a = "".join(rng.choice(letters, rng.integers(5, 60)))
        b = "".join(c for c in a if rng.random() > 0.15) + "".join(rng.choice(letters, rng.integers(0, 8)))
        b = "".join(rng.choice(letters) if rng.random() < 0.2 else c for c in b) or "A"
        assert align(a, b, AlignmentConfig(free_end_gaps=free_end_gaps)).score == pytest.approx(aligner.score(a, b))
