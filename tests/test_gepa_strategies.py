"""Minibatch sampling, round-robin components, acceptance rules, proposal memory and config validation."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from gepa_fakes import examples
from paretoprompt.errors import UserError
from paretoprompt.optimizers.gepa import GEPAConfig
from paretoprompt.optimizers.gepa.acceptance import accepts, next_wave
from paretoprompt.optimizers.gepa.components import ComponentSelector
from paretoprompt.optimizers.gepa.memory import ProposalMemory, Rejected
from paretoprompt.optimizers.gepa.minibatch import EpochSampler


@pytest.mark.parametrize("n,size", [(9, 3), (10, 3), (7, 4), (5, 5), (2, 3)])
def test_epoch_sampler_covers_each_example_once_per_epoch(n, size):
    train = examples("t", [f"k{i}" for i in range(n)])
    sampler = EpochSampler(train, size, random.Random(3))
    stream: list[str] = []
    for _ in range(40):
        batch = [e.id for e in sampler.next()]
        assert len(batch) == min(size, n)
        assert len(set(batch)) == len(batch), "no duplicates inside a batch"
        stream.extend(batch)
    for epoch in range(len(stream) // n):
        chunk = stream[epoch * n : (epoch + 1) * n]
        assert Counter(chunk) == Counter(e.id for e in train), f"epoch {epoch}"


def test_epoch_sampler_reshuffles_each_epoch():
    train = examples("t", [f"k{i}" for i in range(6)])
    sampler = EpochSampler(train, 3, random.Random(0))
    first = [e.id for _ in range(2) for e in sampler.next()]
    second = [e.id for _ in range(2) for e in sampler.next()]
    assert sorted(first) == sorted(second)
    assert first != second
    assert sampler.epoch == 2


def test_round_robin_per_candidate_and_inheritance():
    sel = ComponentSelector(["a", "b", "c"])
    assert sel.peek("p") == ["a"]
    assert sel.peek("p") == ["a"], "peeking does not advance"
    sel.advance("p")
    assert sel.peek("p") == ["b"]
    assert sel.peek("q") == ["a"], "each candidate has its own pointer"
    sel.inherit("child", "p")
    assert sel.peek("child") == ["b"]
    for expected in ["b", "c", "a", "b"]:
        assert sel.peek("p") == [expected]
        sel.advance("p")


def test_all_components_mode():
    sel = ComponentSelector(["a", "b"], "all")
    assert sel.peek("p") == ["a", "b"]


def test_acceptance_strict_and_non_strict():
    assert accepts(1.0, 2.0)
    assert not accepts(2.0, 2.0)
    assert not accepts(2.0, 1.0)
    assert accepts(2.0, 2.0, "improves_or_equal")
    assert not accepts(2.0, 1.0, "improves_or_equal")


def test_memory_keeps_last_k_per_parent_and_component():
    mem = ProposalMemory()
    for i in range(5):
        mem.add("p", "c", Rejected(f"try {i}", 2.0, 1.0, 3))
    mem.add("p", "other", Rejected("x", 1.0, 0.0, 3))
    assert [r.text for r in mem.recent("p", "c", 3)] == ["try 2", "try 3", "try 4"]
    assert mem.recent("p", "c", 0) == []
    assert mem.recent("q", "c", 3) == []
    assert len(mem) == 6


def test_config_defaults_and_boundary_errors():
    cfg = GEPAConfig()
    assert (cfg.minibatch_size, cfg.selection, cfg.merge, cfg.max_merges) == (3, "pareto", False, 5)
    with pytest.raises(UserError, match=r"^gepa\.minibatch_size: "):
        GEPAConfig.from_mapping({"minibatch_size": 0})
    with pytest.raises(UserError, match=r"^gepa\.minibatch: Extra inputs are not permitted"):
        GEPAConfig.from_mapping({"minibatch": 3})
    assert GEPAConfig.from_mapping({"acceptance": "improves_or_equal"}).acceptance == "improves_or_equal"


@pytest.mark.parametrize(
    "parent,child,left,rule,wave",
    [
        (0.0, 0.0, 3, "improves", 1),  # one hit wins
        (1.0, 0.0, 3, "improves", 2),  # two hits win, two misses lose
        (2.0, 0.0, 3, "improves", 1),  # one miss loses
        (3.0, 0.0, 3, "improves", 0),  # even 3/3 only ties: settled before any rollout
        (1.0, 2.0, 1, "improves", 0),  # already ahead
        (1.0, 1.0, 1, "improves", 1),
        (1.5, 0.0, 3, "improves", 2),  # partial credit
        (0.0, 0.0, 3, "improves_or_equal", 0),  # a tie at zero passes
        (2.0, 0.0, 3, "improves_or_equal", 2),
    ],
)
def test_next_wave_sizes(parent, child, left, rule, wave):
    assert next_wave(parent, child, left, rule) == wave


@pytest.mark.parametrize("rule", ["improves", "improves_or_equal"])
def test_waves_give_the_full_minibatch_verdict_for_the_rollouts_of_one_at_a_time_scoring(rule):
    for n in range(1, 5):
        for parent in range(n + 1):
            for scores in itertools.product((0.0, 1.0), repeat=n):
                used, total = 0, 0.0
                while k := next_wave(parent, total, n - used, rule):
                    total += sum(scores[used : used + k])
                    used += k
                assert accepts(parent, total, rule) == accepts(parent, sum(scores), rule)
                # one at a time, scoring stops at the first prefix that settles the verdict
                settled = next(
                    m
                    for m in range(n + 1)
                    if accepts(parent, sum(scores[:m]), rule)
                    or not accepts(parent, sum(scores[:m]) + n - m, rule)
                )
                assert used == settled, (n, parent, scores)
