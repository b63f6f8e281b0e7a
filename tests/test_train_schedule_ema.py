"""Learning-rate schedule (warm-up + cosine) and the exponential moving average of the weights."""

from __future__ import annotations

import math

import pytest
import torch

from trajgen.engine.train.ema import EMA
from trajgen.engine.train.schedule import lr_factor, make_scheduler


def test_warmup_rises_linearly_to_the_full_rate():
    assert [lr_factor(s, 4, 100, 0.1) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]


def test_cosine_reaches_the_floor_at_the_last_step_and_stays_there():
    assert lr_factor(100, 10, 100, 0.1) == pytest.approx(0.1)
    assert lr_factor(500, 10, 100, 0.1) == pytest.approx(0.1)


def test_cosine_is_halfway_between_peak_and_floor_at_mid_decay():
    assert lr_factor(55, 10, 100, 0.2) == pytest.approx(0.6)


def test_schedule_decreases_monotonically_after_warmup():
    values = [lr_factor(s, 10, 100, 0.0) for s in range(10, 101)]
    assert all(a >= b for a, b in zip(values, values[1:])) and values[0] == 1.0


def test_the_torch_scheduler_sets_the_optimizer_rate():
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([param], lr=1e-3)
    scheduler = make_scheduler(optimizer, warmup_steps=2, max_steps=10, min_ratio=0.1)
    rates = []
    for _ in range(3):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates == pytest.approx([5e-4, 1e-3, 1e-3 * lr_factor(2, 2, 10, 0.1)])


def linear(value: float) -> torch.nn.Linear:
    layer = torch.nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.fill_(value)
        layer.bias.fill_(value)
    return layer


def test_ema_of_unchanged_weights_is_the_weights():
    model = linear(3.0)
    ema = EMA(model, decay=0.99)
    for _ in range(5):
        ema.update(model)
    assert torch.allclose(ema.shadow["weight"], torch.full((1, 2), 3.0))


def test_ema_update_mixes_old_average_and_new_weights_with_the_decay():
    model = linear(0.0)
    ema = EMA(model, decay=0.5)
    ema.updates = 1000                      # past the early ramp: the decay is 0.5
    with torch.no_grad():
        model.weight.fill_(4.0)
    ema.update(model)
    assert torch.allclose(ema.shadow["weight"], torch.full((1, 2), 2.0))


def test_early_updates_use_a_smaller_decay():
    ema = EMA(linear(0.0), decay=0.999)
    assert ema.current_decay() == pytest.approx(0.1)
    assert math.isclose(EMA(linear(0.0), decay=0.05).current_decay(), 0.05)


def test_copy_to_loads_the_average_and_state_dict_round_trips():
    model = linear(1.0)
    ema = EMA(model, decay=0.9)
    ema.update(linear(5.0))
    target = linear(0.0)
    ema.copy_to(target)
    assert torch.allclose(target.weight, ema.shadow["weight"])
    restored = EMA(linear(0.0), decay=0.9)
    restored.load_state_dict(ema.state_dict())
    assert restored.updates == 1 and torch.allclose(restored.shadow["bias"], ema.shadow["bias"])
