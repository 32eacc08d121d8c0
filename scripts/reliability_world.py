"""A scripted, deterministic GEPA world for reliability drills (kill -9 soak, flaky provider).

Task: each example is about one keyword; the scripted task model answers "yes" (correct) iff the
instruction mentions that keyword. The metric's feedback names the missing keyword, and the
scripted reflection model proposes the parent instruction plus keywords it read in that
feedback (or, depending on the request's seed, a wrong one), so GEPA accepts some proposals and
rejects others. Every answer is a pure function of the request: the same requests give the same
run, in any process, which is what resume-by-replay and the drills rely on.
"""

from __future__ import annotations

import random
import re
import time
from typing import Any

from paretoprompt.lm.base import GenerationParams, Messages
from paretoprompt.lm.client import LM
from paretoprompt.lm.retry import RetryPolicy
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.programs.base import Prediction
from paretoprompt.programs.single import SingleModuleProgram
from paretoprompt.tasks.base import Example, Score, Splits, Task

KEYWORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa")
SEED_INSTRUCTION = "Answer the question about the item."
GEPA_OPTIONS: dict[str, Any] = {"minibatch_size": 3, "reflection_temperature": 0.7}
BUDGET = 200
SEED = 11


def _examples(prefix: str, n: int, offset: int) -> list[Example]:
    return [
        Example(
            f"{prefix}{i}", {"text": f"item {i} about {KEYWORDS[(i * 3 + offset) % len(KEYWORDS)]}"}, "yes"
        )
        for i in range(n)
    ]


def metric(example: Example, prediction: Prediction) -> Score:
    keyword = str(example.inputs["text"]).rsplit(" ", 1)[1]
    if prediction.output == example.answer:
        return Score(1.0, "correct")
    return Score(0.0, f"expected yes, got {prediction.output!r}: the instruction must mention {keyword}")


def make_task() -> Task:
    splits = Splits(_examples("tr", 24, 0), _examples("va", 12, 1), _examples("te", 6, 2))
    return Task(
        "keywords", splits, metric, description="Say yes when the instruction covers the item's topic."
    )


def make_program() -> SingleModuleProgram:
    return SingleModuleProgram(SEED_INSTRUCTION, "{text}", "Answer yes or no.", max_tokens=8)


def task_answer(messages: Messages, params: GenerationParams) -> str:
    instruction = messages[0]["content"].lower() if len(messages) > 1 else ""
    keyword = messages[-1]["content"].split("\n", 1)[0].rsplit(" ", 1)[1]
    return "yes" if keyword in instruction else "no"


_CURRENT = re.compile(r'CURRENT INSTRUCTION:\n"""\n(.*?)\n"""', re.DOTALL)


def reflection_answer(messages: Messages, params: GenerationParams) -> str:
    prompt = messages[-1]["content"]
    current = _CURRENT.search(prompt).group(1)  # type: ignore[union-attr]
    wanted = [k for k in KEYWORDS if f"must mention {k}" in prompt and k not in current.lower()]
    rng = random.Random(params.seed)
    if not wanted or rng.random() < 0.4:
        wanted = [rng.choice(KEYWORDS)]
    return f"<instruction>{current} Consider {wanted[0]} carefully.</instruction>"


class SlowScript:
    """A responder that takes `delay_s` per call, so a SIGKILL lands in the middle of a run."""

    def __init__(self, responder, delay_s: float) -> None:
        self.responder = responder
        self.delay_s = delay_s

    def __call__(self, messages: Messages, params: GenerationParams) -> str:
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.responder(messages, params)


def make_lms(*, delay_s: float = 0.0, retry: RetryPolicy | None = None) -> tuple[LM, LM]:
    """Fresh (task LM, reflection LM): no response cache, so every request reaches the script."""
    retry = retry or RetryPolicy(max_attempts=1)
    task = ScriptedBackend(SlowScript(task_answer, delay_s), model="scripted-task")
    reflection = ScriptedBackend(SlowScript(reflection_answer, delay_s), model="scripted-reflection")
    return LM(task, role="task", retry=retry), LM(reflection, role="reflection", retry=retry)


def objects(*, delay_s: float = 0.0, retry: RetryPolicy | None = None) -> dict[str, Any]:
    """The Python objects `optimize(...)` and `resume(...)` take."""
    task_lm, reflection_lm = make_lms(delay_s=delay_s, retry=retry)
    return {
        "task": make_task(),
        "program": make_program(),
        "task_lm": task_lm,
        "reflection_lm": reflection_lm,
    }
