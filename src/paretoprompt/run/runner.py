"""One session of a run: lock the run dir, replay the journal, run the optimizer, write the result.

A fresh run and a resumed run are the same code path: the optimizer always starts from the
beginning with the same seed, and whatever the journal already holds is served from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from paretoprompt.evaluate import Evaluator
from paretoprompt.lm.client import LM
from paretoprompt.lm.usage import UsageLedger
from paretoprompt.optimizers.base import BudgetExhausted, Optimizer, OptimizerOutcome, StopRequested
from paretoprompt.programs.base import Program, candidate_id
from paretoprompt.run.budget import STOP_FILE, Budget, SigintGraceful, StopConditions
from paretoprompt.run.codec import to_jsonable
from paretoprompt.run.context import RunContext
from paretoprompt.run.journal import JOURNAL, Event, Journal
from paretoprompt.run.progress import Progress
from paretoprompt.run.replay import JournaledLM, JournalRolloutStore
from paretoprompt.run.result import Result
from paretoprompt.tasks.base import Task

log = logging.getLogger("paretoprompt.run")

FEW_PROPOSALS_ROLLOUTS = 18
"""Three proposals at the default minibatch of 3, each scoring parent and child."""


@dataclass
class RunSpec:
    """Everything one session needs, already resolved to objects."""

    task: Task
    program: Program
    optimizer: Optimizer
    task_lm: LM
    reflection_lm: LM
    budget: Budget
    seed: int = 0
    concurrency: int = 4
    config: Mapping[str, Any] | None = None
    """The JSON form of the config, journaled in the `start` event so `resume` can rebuild the run."""


def prior_seconds(prior: Sequence[Event]) -> float:
    """Wall time spent by earlier sessions (each runs from its start/resume event to its last event)."""
    total, start, last = 0.0, None, None
    for e in prior:
        if e["type"] in ("start", "resume"):
            if start is not None and last is not None:
                total += last - start
            start = e["t"]
        last = e["t"]
    return total + (last - start if start is not None and last is not None else 0.0)


def run_session(
    spec: RunSpec,
    run_dir: Path,
    prior: Sequence[Event],
    *,
    progress: Progress,
    on_append: Callable[[Event], None] | None = None,
) -> Result:
    """Run (or resume) the optimization in `run_dir`; the caller holds the run lock."""
    ledger = UsageLedger()
    task_lm = spec.task_lm.derive(role="task", ledger=ledger)
    refl_lm = spec.reflection_lm.derive(role="reflection", ledger=ledger)
    next_seq = prior[-1]["seq"] + 1 if prior else 0
    journal = Journal(run_dir / JOURNAL, next_seq=next_seq, on_append=on_append)
    try:
        if prior:
            journal.append("resume", session=1 + sum(e["type"] == "resume" for e in prior))
        else:
            journal.append("start", config=to_jsonable(dict(spec.config or {})), budget=asdict(spec.budget))
        stops = StopConditions(
            spec.budget, run_dir, cost=lambda: ledger.total().cost_usd, prior_seconds=prior_seconds(prior)
        )
        store = JournalRolloutStore(journal, prior)
        evaluator = Evaluator(
            spec.task,
            spec.program,
            task_lm,
            concurrency=spec.concurrency,
            store=store,
            should_stop=stops.reason,
            on_rollout=lambda r: stops.observe_rollout(r.failed, r.feedback),
        )
        ctx = RunContext(
            task=spec.task,
            program=spec.program,
            evaluator=evaluator,
            reflection_lm=JournaledLM.wrap(refl_lm, journal, prior),
            seed=spec.seed,
            journal=journal,
            prior=prior,
            stops=stops,
            progress=progress,
        )
        _warn_small_budget(spec, progress)
        progress.start()
        try:
            outcome, stop_reason = _optimize(spec.optimizer, ctx, stops)
            result = _finish(spec, ctx, evaluator, outcome, stop_reason, ledger, stops)
        finally:
            progress.update(ctx.state, force=True)
            progress.stop()
        journal.append("end", stop_reason=result.stop_reason, best_id=result.best_id)
        result.save(run_dir)
        if result.stop_reason.startswith("stop file"):
            (run_dir / STOP_FILE).unlink(missing_ok=True)  # consumed: `resume` continues the run
        return result
    finally:
        journal.close()


def _optimize(
    optimizer: Optimizer, ctx: RunContext, stops: StopConditions
) -> tuple[OptimizerOutcome | None, str]:
    with SigintGraceful(stops):
        try:
            outcome = optimizer.optimize(ctx)
        except BudgetExhausted as err:
            return None, f"budget exhausted: {err}"
        except StopRequested as err:
            return None, str(err)
        # An optimizer that caught a stop (as GEPA does) still reports why the run stopped.
        refused = f"budget exhausted: {stops.refused_batch}" if stops.refused_batch else ""
        own = outcome.notes.get("stopped_by")
        return outcome, stops.reason() or refused or ("optimizer finished" + (f" ({own})" if own else ""))


def _finish(
    spec: RunSpec,
    ctx: RunContext,
    evaluator: Evaluator,
    outcome: OptimizerOutcome | None,
    stop_reason: str,
    ledger: UsageLedger,
    stops: StopConditions,
) -> Result:
    seed_texts = spec.program.seed_candidate()
    best_id = outcome.best_candidate_id if outcome is not None else ctx.best_id
    if best_id is not None and best_id not in ctx.pool:
        raise RuntimeError(f"optimizer {spec.optimizer.name!r} returned unknown candidate {best_id!r}")
    best_texts = dict(ctx.pool[best_id].texts) if best_id is not None else dict(seed_texts)
    test = None
    if spec.task.splits.test and not stop_reason.startswith("interrupted") and not stops.provider_failing():
        ctx.progress.note(
            f"optimization stopped ({stop_reason}); scoring seed and best on the test split "
            f"({len(spec.task.splits.test)} examples each, outside the budget)"
        )
        test = _score_test(evaluator, seed_texts, best_texts, spec.task)
    return Result(
        task=spec.task.name,
        optimizer=spec.optimizer.name,
        seed=spec.seed,
        best_id=best_id or candidate_id(seed_texts),
        best_texts=best_texts,
        seed_id=candidate_id(seed_texts),
        candidates=tuple(ctx.pool.values()),
        val_ids=tuple(e.id for e in spec.task.splits.val),
        rollouts_by_purpose=dict(sorted(evaluator.counts.items())),
        rollout_budget=spec.budget.rollouts,
        usage_by_role={role: asdict(u) for role, u in sorted(ledger.by_role().items())},
        stop_reason=stop_reason,
        wall_seconds=round(stops.elapsed(), 3),
        test=test,
        notes={
            "proposal_outcomes": dict(sorted(ctx.proposal_outcomes.items())),
            **to_jsonable(dict(outcome.notes if outcome is not None else {})),
        },
    )


def _score_test(evaluator: Evaluator, seed: Mapping[str, str], best: Mapping[str, str], task: Task):
    """Seed and best on the test split: purpose "test", outside the optimization budget."""
    evaluator.should_stop = None  # the run is finishing; only a second Ctrl-C stops this
    examples = task.splits.test
    seed_mean = evaluator.evaluate(seed, examples, split="test", purpose="test").mean
    best_mean = evaluator.evaluate(best, examples, split="test", purpose="test").mean
    return {"n": len(examples), "seed": seed_mean, "best": best_mean}


def _warn_small_budget(spec: RunSpec, progress: Progress) -> None:
    limit = spec.budget.rollouts
    need = len(spec.task.splits.val) + FEW_PROPOSALS_ROLLOUTS
    if limit is not None and limit < need:
        progress.message(
            f"rollout budget {limit} cannot cover one validation pass ({len(spec.task.splits.val)}) "
            f"plus a few proposals (~{FEW_PROPOSALS_ROLLOUTS}); consider at least {need}"
        )
