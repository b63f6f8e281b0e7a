"""Global pairwise alignment (Needleman-Wunsch with affine gaps, Gotoh's three states) in numpy.

Scores: BLOSUM62 (default) or plain identity (match 1, mismatch 0). A gap of length k costs
``gap_open + (k - 1) * gap_extend`` (EMBOSS needle's defaults: 10 and 0.5). With
``free_end_gaps`` (default) overhangs at either end cost nothing, so a domain aligns onto the
matching part of a longer chain instead of being spread over it; internal gaps always cost.

Sequence identity = identical aligned pairs / length of the shorter sequence. This is the
stricter (larger) of the usual definitions for sequences of different length, which is what a
held-out filter wants.

Each row of the dynamic programme is vectorized: the horizontal-gap state within a row is a
running maximum (``np.maximum.accumulate``), exact because opening a gap costs at least as
much as extending one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trajgen.engine.dataset.blosum62 import ALPHABET, BLOSUM62, encode

_NEG = -1e18
_M, _X, _Y = 0, 1, 2   # diagonal (pair), gap in b (a_i over '-'), gap in a ('-' over b_j)
_STEP = {_M: (1, 1), _X: (1, 0), _Y: (0, 1)}   # residues of (a, b) each state consumes


@dataclass(frozen=True)
class AlignmentConfig:
    """Scoring of the global alignment: substitution matrix name and gap costs (positive numbers)."""

    matrix: str = "blosum62"        # or "identity"
    gap_open: float = 10.0
    gap_extend: float = 0.5
    free_end_gaps: bool = True

    def __post_init__(self) -> None:
        if self.matrix not in ("blosum62", "identity"):
            raise ValueError(f"Substitution matrix must be 'blosum62' or 'identity', not {self.matrix!r}.")
        if self.gap_open < self.gap_extend:
            raise ValueError("Opening a gap must cost at least as much as extending one.")


@dataclass(frozen=True)
class Alignment:
    """One optimal global alignment: gapped strings, score, identical pairs and identity (0..1)."""

    aligned_a: str
    aligned_b: str
    score: float
    matches: int
    identity: float


def _substitution(a: np.ndarray, b: np.ndarray, matrix: str) -> np.ndarray:
    if matrix == "identity":
        x = ALPHABET.index("X")
        return ((a[:, None] == b[None, :]) & (a[:, None] != x)).astype(np.float64)
    return BLOSUM62[a[:, None], b[None, :]]


def _fill(sub: np.ndarray, cfg: AlignmentConfig) -> np.ndarray:
    """Score tables (3, n+1, m+1) of the three states."""
    n, m = sub.shape
    go, ge = cfg.gap_open, cfg.gap_extend
    t = np.full((3, n + 1, m + 1), _NEG)
    t[_M, 0, 0] = 0.0
    lead_a = np.zeros(n) if cfg.free_end_gaps else -(go + ge * np.arange(n))
    lead_b = np.zeros(m) if cfg.free_end_gaps else -(go + ge * np.arange(m))
    t[_X, 1:, 0] = lead_a
    t[_Y, 0, 1:] = lead_b
    cols = np.arange(m + 1) * ge
    for i in range(1, n + 1):
        prev = t[:, i - 1]
        t[_M, i, 1:] = sub[i - 1] + prev[:, :-1].max(axis=0)
        t[_X, i, 1:] = np.maximum.reduce([prev[_M, 1:] - go, prev[_X, 1:] - ge, prev[_Y, 1:] - go])
        opener = np.maximum(t[_M, i], t[_X, i]) + cols       # (m+1,), gap opened after column k
        running = np.maximum.accumulate(opener)[:-1]
        t[_Y, i, 1:] = running - go - cols[:-1]
    return t


def _end_cell(t: np.ndarray, cfg: AlignmentConfig) -> tuple[int, int, int]:
    """(state, i, j) where the traceback starts; free end gaps allow any cell of the last row/column."""
    n, m = t.shape[1] - 1, t.shape[2] - 1
    if not cfg.free_end_gaps:
        return int(np.argmax(t[:, n, m])), n, m
    best_row = t[:, n, :].max(axis=0)
    best_col = t[:, :, m].max(axis=0)
    j, i = int(np.argmax(best_row)), int(np.argmax(best_col))
    if best_row[j] >= best_col[i]:
        return int(np.argmax(t[:, n, j])), n, j
    return int(np.argmax(t[:, i, m])), i, m


def _previous_state(t: np.ndarray, state: int, i: int, j: int, sub: np.ndarray, cfg: AlignmentConfig) -> int:
    go, ge = cfg.gap_open, cfg.gap_extend
    value = t[state, i, j]
    if state == _M:
        options = [(s, t[s, i - 1, j - 1] + sub[i - 1, j - 1]) for s in (_M, _X, _Y)]
    elif state == _X:
        options = [(_M, t[_M, i - 1, j] - go), (_X, t[_X, i - 1, j] - ge), (_Y, t[_Y, i - 1, j] - go)]
    else:
        options = [(_M, t[_M, i, j - 1] - go), (_Y, t[_Y, i, j - 1] - ge), (_X, t[_X, i, j - 1] - go)]
    for s, v in options:
        if abs(v - value) < 1e-6:
            return s
    raise AssertionError("traceback lost the optimal path")  # cannot happen for a filled table


def _traceback(t, sub, a: str, b: str, cfg: AlignmentConfig) -> tuple[str, str]:
    state, i, j = _end_cell(t, cfg)
    n, m = len(a), len(b)
    out_a, out_b = list(a[i:][::-1]) + ["-"] * (m - j), ["-"] * (n - i) + list(b[j:][::-1])
    while i > 0 or j > 0:
        if i == 0 or j == 0:   # leading overhang
            out_a.append(a[i - 1] if i else "-")
            out_b.append(b[j - 1] if j else "-")
            i, j = (i - 1, j) if i else (i, j - 1)
            continue
        prev = _previous_state(t, state, i, j, sub, cfg)
        di, dj = _STEP[state]
        out_a.append(a[i - 1] if di else "-")
        out_b.append(b[j - 1] if dj else "-")
        i, j, state = i - di, j - dj, prev
    return "".join(reversed(out_a)), "".join(reversed(out_b))


def align(a: str, b: str, config: AlignmentConfig = AlignmentConfig()) -> Alignment:
    """Optimal global alignment of protein sequences ``a`` and ``b`` (one-letter codes)."""
    a, b = a.upper(), b.upper()
    if not a or not b:
        raise ValueError("Cannot align an empty sequence.")
    sub = _substitution(encode(a), encode(b), config.matrix)
    table = _fill(sub, config)
    aligned_a, aligned_b = _traceback(table, sub, a, b, config)
    matches = sum(x == y and x not in "-X" for x, y in zip(aligned_a, aligned_b))
    score = float(table[:, *_end_cell(table, config)[1:]].max())
    return Alignment(aligned_a, aligned_b, score, matches, matches / min(len(a), len(b)))


def identity(a: str, b: str, config: AlignmentConfig = AlignmentConfig()) -> float:
    """Sequence identity of ``a`` and ``b`` (identical pairs / shorter length) in [0, 1]."""
    return align(a, b, config).identity
