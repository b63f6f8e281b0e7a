"""Durations as trajgen reads and writes them: text with a unit <-> picoseconds.

``parse_time_ps("100ns") == 1e5``; ``format_time_ps(1e5) == "100ns"``; each reads the other's output.
"""

from __future__ import annotations

import re

from .errors import GenerationError

_UNITS = (("us", 1e6), ("ns", 1e3), ("ps", 1.0), ("fs", 1e-3))  # largest first, for writing
TIME_UNITS_PS = {"fs": 1e-3, "ps": 1.0, "ns": 1e3, "us": 1e6, "µs": 1e6}


def parse_time_ps(text: str) -> float:
    """A duration like ``100ns``, ``2.5 us`` or ``500ps`` in picoseconds; a bare number, zero or a
    negative duration is refused with a sentence."""
    match = re.fullmatch(r"\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zµ]+)\s*", str(text))
    if not match or match.group(2) not in TIME_UNITS_PS:
        raise GenerationError(f"Cannot read the duration {text!r}: write a number with a unit "
                              f"({', '.join(u for u in TIME_UNITS_PS if u != 'µs')}), e.g. 100ns.")
    value = float(match.group(1)) * TIME_UNITS_PS[match.group(2)]
    if value <= 0:
        raise GenerationError(f"A duration must be positive, not {str(text).strip()}; e.g. 100ns.")
    return value


def format_time_ps(value_ps: float) -> str:
    """A duration in the largest unit that keeps a short number: 100000 -> '100ns', 2.5e6 -> '2.5us'."""
    if value_ps <= 0:
        raise ValueError(f"A duration must be positive, not {value_ps:g} ps.")
    for unit, scale in _UNITS:
        if value_ps >= scale:
            return f"{value_ps / scale:.6g}{unit}"
    return f"{value_ps / 1e-3:.6g}fs"
