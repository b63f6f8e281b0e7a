"""Durations as the panel writes them, and the length slider's log-spaced steps."""

from __future__ import annotations

import pytest

from trajgen.engine.units import parse_time_ps
from trajgen.ui.units import INTERVAL_CHOICES, format_duration_s, format_time_ps, length_steps_ps, nearest_step


@pytest.mark.parametrize("ps, text", [(1e5, "100ns"), (2.5e6, "2.5us"), (500.0, "500ps"), (1e3, "1ns"),
                                      (0.5, "500fs"), (1e7, "10us")])
def test_durations_are_written_in_the_largest_short_unit(ps, text):
    assert format_time_ps(ps) == text


@pytest.mark.parametrize("ps", [1e3, 3e3, 1e5, 2.5e6, 1e7, 20.0, 0.25, 123456.0])
def test_written_durations_read_back_to_the_same_time(ps):
    assert parse_time_ps(format_time_ps(ps)) == pytest.approx(ps)


def test_a_duration_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        format_time_ps(0.0)


def test_length_steps_run_from_1_ns_to_10_us_in_round_log_spaced_values():
    steps = length_steps_ps()
    assert steps[0] == 1e3 and steps[-1] == 1e7
    assert steps[:5] == [1e3, 2e3, 3e3, 5e3, 1e4]
    assert all(b > a for a, b in zip(steps, steps[1:]))


def test_nearest_step_is_chosen_on_a_log_scale():
    steps = length_steps_ps()
    assert steps[nearest_step(1e5, steps)] == 1e5
    assert steps[nearest_step(4e3, steps)] == 5e3  # log10(4) is nearer log10(5) than log10(3)
    assert nearest_step(1.0, steps) == 0 and nearest_step(1e9, steps) == len(steps) - 1


def test_interval_choices_all_parse():
    assert [parse_time_ps(c) for c in INTERVAL_CHOICES] == sorted(parse_time_ps(c) for c in INTERVAL_CHOICES)


@pytest.mark.parametrize("seconds, text", [(None, "?"), (45.2, "45 s"), (200, "3 min 20 s"), (7500, "2 h 05 min")])
def test_wall_clock_times_read_naturally(seconds, text):
    assert format_duration_s(seconds) == text
