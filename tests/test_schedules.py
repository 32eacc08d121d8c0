"""Decay schedules (GPO's edit budget): exact values at given steps."""

from __future__ import annotations

import math

import pytest

from paretoprompt.optimizers.strategies.schedules import Schedule


def values(s: Schedule, steps: int) -> list[float]:
    return [s.value(t) for t in range(steps)]


def test_cosine_from_50_to_10_over_5_steps():
    s = Schedule("cosine", 50, 10, 5)
    assert values(s, 5) == pytest.approx(
        [50, 10 + 20 * (1 + math.sqrt(0.5)), 30, 10 + 20 * (1 - math.sqrt(0.5)), 10]
    )
    assert [s.int_value(t) for t in range(5)] == [50, 44, 30, 16, 10]


def test_linear_and_constant():
    assert values(Schedule("linear", 50, 10, 5), 5) == pytest.approx([50, 40, 30, 20, 10])
    assert values(Schedule("constant", 50, 10, 5, warmup_steps=2), 5) == [50.0] * 5


def test_warmup_ramps_from_end_to_start_then_decays():
    s = Schedule("cosine", 50, 10, 6, warmup_steps=2)
    assert values(s, 6) == pytest.approx([10, 30, 50, 40, 20, 10])
    lin = Schedule("linear", 50, 10, 6, warmup_steps=2)
    assert values(lin, 6) == pytest.approx([10, 30, 50, 50 - 40 / 3, 10 + 40 / 3, 10])


def test_past_the_end_and_single_step():
    s = Schedule("cosine", 50, 10, 3)
    assert s.value(2) == s.value(7) == 10
    assert Schedule("linear", 50, 10, 1).value(0) == 50


def test_int_value_rounds_half_up():
    assert Schedule("linear", 3, 2, 3).int_value(1) == 3  # 2.5 -> 3, not banker's 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "exp", "start": 1, "end": 0, "total_steps": 3}, "unknown schedule"),
        ({"kind": "cosine", "start": 1, "end": 0, "total_steps": 0}, "total_steps"),
        ({"kind": "cosine", "start": 1, "end": 0, "total_steps": 3, "warmup_steps": 3}, "warmup_steps"),
    ],
)
def test_invalid_schedules(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Schedule(**kwargs)


def test_negative_step_is_an_error():
    with pytest.raises(ValueError, match="step"):
        Schedule("cosine", 50, 10, 5).value(-1)
