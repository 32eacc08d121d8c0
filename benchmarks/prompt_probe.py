"""Score a few hand-written instructions on one split of a built-in task: a quick headroom probe.

Usage: python benchmarks/prompt_probe.py TASK MODEL SPLIT ["instruction 1" "instruction 2" ...]
With no instruction, the task's seed instruction is scored. Prints mean, n, wall time and the
distribution of parsed outputs, so a model stuck on one label shows up at once. Sequential
(concurrency 1) and through the response cache, like `paretoprompt eval`.
"""

import collections
import sys
import time

from paretoprompt.evaluate import Evaluator
from paretoprompt.lm.factory import make_lm
from paretoprompt.tasks.registry import get_task_spec


def main(task_name: str, model: str, split: str, instructions: list[str]) -> None:
    spec = get_task_spec(task_name)
    task, program = spec.load(0, spec.default_sizes), spec.program()
    component = program.components[0]
    evaluator = Evaluator(task, program, make_lm(model, role="task"), concurrency=1)
    examples = task.splits.get(split)
    for text in instructions or [program.seed_candidate()[component]]:
        start = time.time()
        batch = evaluator.evaluate({component: text}, examples, split=split)
        outputs = collections.Counter(str(r.prediction.output) for r in batch.rollouts)
        print(
            f"{batch.mean:.3f} n={len(examples)} {time.time() - start:.0f}s "
            f"outs={dict(outputs.most_common(4))} :: {text[:70]}",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
