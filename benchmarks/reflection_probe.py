"""How useful are GEPA's reflective proposals with a given reflection model? A quick probe of the meta-prompt.

Usage:
    python benchmarks/reflection_probe.py TASK TASK_MODEL REFLECTION_MODEL [--contexts 6] [--eval-n 30] [--seed 0]

Draws `contexts` training minibatches of 3 on which the seed instruction is not perfect, asks the reflection model
for one proposal on each exactly as a GEPA run does (`gepa/propose.py`, default `GEPAConfig`), and scores every
usable proposal on its minibatch (GEPA's acceptance test) and on the first `eval-n` validation examples. Prints each
proposal, then the malformed rate, the acceptance rate, the mean val-slice score against the seed's, and how many of
the seed's val-slice answers the proposals change (in GEPA runs on BoolQ nearly every rejected child had answered its
minibatch exactly as its parent). The same seed draws the same minibatches and reflection seeds, so two versions
of the meta-prompt can be compared.
"""

from __future__ import annotations

import argparse
import random
import statistics

from paretoprompt.evaluate import Evaluator
from paretoprompt.lm.factory import make_lm
from paretoprompt.optimizers.base import EvalBatch
from paretoprompt.optimizers.gepa.config import GEPAConfig
from paretoprompt.optimizers.gepa.propose import propose
from paretoprompt.tasks.registry import get_task_spec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("task")
    ap.add_argument("task_model")
    ap.add_argument("reflection_model")
    ap.add_argument("--contexts", type=int, default=6)
    ap.add_argument("--eval-n", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    spec = get_task_spec(args.task)
    task, program = spec.load(args.seed, spec.default_sizes), spec.program()
    component = program.components[0]
    seed_candidate = program.seed_candidate()
    evaluator = Evaluator(task, program, make_lm(args.task_model, role="task"), concurrency=1)
    reflection_lm = make_lm(args.reflection_model, role="reflection")
    cfg, rng = GEPAConfig(), random.Random(args.seed)
    val_slice = list(task.splits.val)[: args.eval_n]
    seed_run = evaluator.evaluate(seed_candidate, val_slice, split="val")
    seed_val, seed_outputs = seed_run.mean, outputs(seed_run)
    print(f"seed: val[:{len(val_slice)}] {seed_val:.3f}", flush=True)

    outcomes: list[str] = []
    val_means: list[float] = []
    changed: list[float] = []
    while len(outcomes) < args.contexts:
        examples = rng.sample(list(task.splits.train), 3)
        before = evaluator.evaluate(seed_candidate, examples, split="train")
        reflection_seed = rng.randrange(2**31)
        if all(s >= cfg.perfect_score for s in before.scores):
            continue
        proposal, raw = propose(
            reflection_lm,
            task,
            program,
            cfg,
            parent_text=seed_candidate[component],
            component=component,
            examples=examples,
            rollouts=before.rollouts,
            tried=(),
            seed=reflection_seed,
        )
        if proposal.text is None:
            outcomes.append("malformed")
            print(f"- malformed ({proposal.reason}): {raw[:160]!r}", flush=True)
            continue
        child = {**seed_candidate, component: proposal.text}
        after = evaluator.evaluate(child, examples, split="train")
        child_run = evaluator.evaluate(child, val_slice, split="val")
        outcomes.append("accepted" if after.total > before.total else "rejected")
        val_means.append(child_run.mean)
        changed.append(
            sum(a != b for a, b in zip(outputs(child_run), seed_outputs, strict=True)) / len(val_slice)
        )
        print(
            f"- {outcomes[-1]} minibatch {before.total:g} -> {after.total:g}, val[:{len(val_slice)}] "
            f"{child_run.mean:.3f}, {changed[-1]:.0%} answers changed: {proposal.text[:200]!r}",
            flush=True,
        )

    n = len(outcomes)
    mean_val = f"{statistics.mean(val_means):.3f} (best {max(val_means):.3f})" if val_means else "-"
    mean_changed = f"{statistics.mean(changed):.0%}" if changed else "-"
    print(
        f"proposals {n}: malformed {outcomes.count('malformed')}/{n}, accepted {outcomes.count('accepted')}/{n}, "
        f"mean val[:{len(val_slice)}] of usable proposals {mean_val} vs seed {seed_val:.3f}, "
        f"answers changed vs seed {mean_changed}"
    )


def outputs(evaluation: EvalBatch) -> list[str]:
    """The parsed answers, in example order: a proposal that changes none of them cannot pass GEPA's test."""
    return [str(r.prediction.output) for r in evaluation.rollouts]


if __name__ == "__main__":
    main()
