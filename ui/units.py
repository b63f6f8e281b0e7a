"""Durations as the panel shows and types them: picoseconds in, short unit strings out.

The panel's length slider walks a log-spaced list of round durations (1 ns to 10 us);
``format_time_ps`` writes a duration the way ``trajgen.engine.units.parse_time_ps``
reads it back, so every command the panel builds is also valid typed by hand.
"""

from __future__ import annotations

import math

from trajgen.engine.run_choices import INTERVAL_CHOICES  # noqa: F401 (the panel's import point)
from trajgen.engine.units import format_time_ps  # noqa: F401 (the panel's import point)

# Round multipliers per decade: the slider steps through 1, 2, 3, 5, 10, 20, ... ns.
_MANTISSAS = (1.0, 2.0, 3.0, 5.0)
LENGTH_MIN_PS = 1_000.0        # 1 ns
LENGTH_MAX_PS = 10_000_000.0   # 10 us


def length_steps_ps() -> list[float]:
    """Rollout lengths offered by the slider, in ps, ascending: 1 ns, 2 ns, 3 ns, 5 ns, ... 10 us."""
    steps = []
    decade = LENGTH_MIN_PS
    while decade <= LENGTH_MAX_PS:
        steps += [m * decade for m in _MANTISSAS if m * decade <= LENGTH_MAX_PS]
        decade *= 10.0
    return steps


def nearest_step(value_ps: float, steps: list[float]) -> int:
    """Index of the step closest to ``value_ps`` on a log scale."""
    target = math.log10(max(value_ps, 1e-12))
    return min(range(len(steps)), key=lambda i: abs(math.log10(steps[i]) - target))


def format_duration_s(seconds: float | None) -> str:
    """Wall-clock seconds for a status line: '45 s', '3 min 20 s', '2 h 05 min', '?' when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
