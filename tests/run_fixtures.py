"""A tiny task, program and deterministic optimizer for run-layer tests (scripted LMs only).

Task: example i has difficulty i % 4. Program: one instruction; the scripted task LM answers
correctly iff the instruction holds at least `difficulty` "+" signs. The scripted reflection LM
appends "+" or "-" depending on a hash of its prompt, so proposals sometimes help.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from paretoprompt.errors import LMError
from paretoprompt.lm.base import GenerationParams, Messages
from paretoprompt.lm.client import LM
from paretoprompt.lm.retry import NO_RETRY
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.optimizers.base import OptimizerContext, OptimizerOutcome
from paretoprompt.programs.base import Candidate, ModuleCall, Prediction, candidate_id
from paretoprompt.tasks.base import Example, Score, Splits, Task


def examples(prefix: str, n: int) -> list[Example]:
    return [Example(f"{prefix}{i}", {"x": f"item {i}", "difficulty": i % 4}, "yes") for i in range(n)]


def metric(example: Example, prediction: Prediction) -> Score:
    ok = prediction.output == example.answer
    return Score(
        1.0 if ok else 0.0, "correct" if ok else f"expected {example.answer!r}, got {prediction.output!r}"
    )


def make_task(train: int = 8, val: int = 6, test: int = 4) -> Task:
    return Task("toy", Splits(examples("tr", train), examples("va", val), examples("te", test)), metric)


class ToyProgram:
    components = ("instruction",)

    def seed_candidate(self) -> dict[str, str]:
        return {"instruction": "Answer."}

    def contract(self, component: str) -> str:
        return "Reply yes or no."

    def required_placeholders(self, component: str) -> frozenset[str]:
        return frozenset()

    def run(self, candidate: Candidate, example: Example, lm: LM, *, slot: int | None = None) -> Prediction:
        messages = (
            {"role": "system", "content": candidate["instruction"]},
            {"role": "user", "content": f"{example.inputs['x']} difficulty={example.inputs['difficulty']}"},
        )
        try:
            text = lm.complete(messages, slot=slot).text
        except LMError as err:
            return Prediction(output=None, error=f"model call failed: {err}")
        call = ModuleCall("main", dict(example.inputs), messages, text, parsed=text.strip())
        return Prediction(output=text.strip(), trace=(call,))


def task_responder(messages: Messages, params: GenerationParams) -> str:
    level = messages[0]["content"].count("+")
    difficulty = int(messages[1]["content"].rsplit("=", 1)[1])
    return "yes" if level >= difficulty else "no"


def reflection_responder(messages: Messages, params: GenerationParams) -> str:
    prompt = messages[-1]["content"]
    current = prompt.split("CURRENT:", 1)[1].split("\n", 1)[0].strip()
    bit = hashlib.sha256(prompt.encode()).digest()[0] % 3
    return current + ("-" if bit == 0 else "+")


def task_lm(**kw) -> tuple[LM, ScriptedBackend]:
    backend = ScriptedBackend(kw.pop("script", task_responder), model="toy-task")
    return LM(backend, role="task", retry=NO_RETRY, **kw), backend


def reflection_lm(
    responder: Callable[[Messages, GenerationParams], str] = reflection_responder,
) -> tuple[LM, ScriptedBackend]:
    backend = ScriptedBackend(responder, model="toy-reflect")
    return LM(backend, role="reflection", retry=NO_RETRY), backend


class ToyOptimizer:
    """A miniature GEPA: random parent, minibatch of 3, reflect on traces, accept strict improvements."""

    name = "toy"

    def __init__(self, iterations: int = 6) -> None:
        self.iterations = iterations

    def optimize(self, ctx: OptimizerContext) -> OptimizerOutcome:
        seed = ctx.program.seed_candidate()
        val = ctx.task.splits.val
        pool: dict[str, Mapping[str, str]] = {}
        means: dict[str, float] = {}
        seed_val = ctx.evaluate(seed, val, split="val", purpose="validation")
        sid = ctx.add_candidate(seed, parents=(), val=seed_val, origin="seed")
        pool[sid], means[sid] = seed, seed_val.mean
        for it in range(self.iterations):
            pid = ctx.rng.choice(sorted(pool))
            parent = pool[pid]
            batch = ctx.rng.sample(list(ctx.task.splits.train), 3)
            before = ctx.evaluate(parent, batch, split="train", purpose="minibatch")
            traces = " | ".join(
                r.prediction.trace[0].raw_output for r in before.rollouts if r.prediction.trace
            )
            prompt = f"CURRENT: {parent['instruction']}\nOUTPUTS: {traces}\nFEEDBACK: {before.rollouts[0].feedback}"
            text = ctx.reflection_lm.complete([{"role": "user", "content": prompt}]).text
            child = {"instruction": text}
            after = ctx.evaluate(child, batch, split="train", purpose="minibatch")
            if after.total <= before.total:
                ctx.emit("proposal", outcome="rejected", iteration=it, parent=pid)
                continue
            ctx.emit("proposal", outcome="accepted", iteration=it, parent=pid)
            child_val = ctx.evaluate(child, val, split="val", purpose="validation")
            cid = ctx.add_candidate(child, parents=(pid,), val=child_val, origin="reflection")
            pool[cid], means[cid] = child, child_val.mean
        best = max(sorted(pool), key=lambda c: means[c])
        return OptimizerOutcome(best, notes={"iterations": self.iterations})


def seed_id() -> str:
    return candidate_id(ToyProgram().seed_candidate())
