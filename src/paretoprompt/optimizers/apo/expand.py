"""Expansion of one beam prompt (ProTeGi's `expand_candidates`, one component at a time).

Errors on the minibatch -> `error_groups` random groups of up to `errors_per_group` errors ->
reasons ("gradients") -> edits that fix each reason -> Monte-Carlo paraphrases of every edit
(and of the parent, as the released code does). Every reflection answer is parsed strictly;
unusable ones are reported as malformed proposals and never scored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from paretoprompt.lm.base import GenerationParams
from paretoprompt.optimizers.apo.config import APOConfig
from paretoprompt.optimizers.apo.parse import Checks, parse_items
from paretoprompt.optimizers.apo.prompts import (
    PROMPT_TAG,
    REASON_TAG,
    SHAPES,
    Messages,
    edit_messages,
    gradient_messages,
    paraphrase_messages,
)
from paretoprompt.optimizers.base import EvalBatch, OptimizerContext
from paretoprompt.optimizers.strategies.prompt_parts import case_record, clip, record_fields
from paretoprompt.optimizers.strategies.proposals import call_reflection
from paretoprompt.tasks.base import Example

RAW_CHARS = 500
"""How much of a malformed answer the journal keeps, for diagnosis."""

Report = Callable[..., None]
"""`report(outcome, **payload)`: how the optimizer journals a proposal."""


@dataclass(frozen=True)
class Successor:
    text: str
    origin: str
    """"apo-edit" or "apo-paraphrase"."""
    reason: str = ""
    """The gradient the edit answers (for a paraphrase: of its source edit; empty for the parent's)."""


class Reflector:
    """Makes the reflection calls, parses them, and reports what could not be used."""

    def __init__(self, cfg: APOConfig, ctx: OptimizerContext, report: Report) -> None:
        self.cfg, self.ctx, self.report = cfg, ctx, report
        self.calls = 0

    def ask(self, messages: Messages, tag: str, expected: int, checks: Checks, **info: Any) -> list[str]:
        """The usable items of one answer; each unusable one is reported as a malformed proposal."""
        cfg, ctx = self.cfg, self.ctx
        params = GenerationParams(
            temperature=cfg.reflection_temperature,
            max_tokens=cfg.reflection_max_tokens,
            stop=(f"</{tag}>",) if expected == 1 else (),
            seed=ctx.rng.randrange(2**31) if cfg.reflection_temperature > 0 else None,
        )
        self.calls += 1
        answer = call_reflection(ctx.reflection_lm, messages, params)
        raw = clip(answer.text, RAW_CHARS)
        if answer.failure is not None:
            items = [answer.failure]
        else:
            items = parse_items(
                answer.text, tag, finish_reason=answer.finish_reason, expected=expected, checks=checks
            )
        for item in items:
            if item.text is None:
                self.report("malformed", reason=item.reason, detail=item.detail, raw=raw, **info)
        return [item.text for item in items if item.text is not None]

    def expand(
        self, parent_id: str, text: str, component: str, examples: Sequence[Example], batch: EvalBatch
    ) -> list[Successor]:
        cfg, ctx = self.cfg, self.ctx
        info = {"parent": parent_id, "component": component}
        contract = ctx.program.contract(component)
        placeholders = sorted(ctx.program.required_placeholders(component))
        prompt_checks = dict(
            min_words=cfg.min_words,
            max_words=cfg.max_words,
            echo_chars=cfg.echo_chars,
            placeholders=frozenset(placeholders),
            shapes=SHAPES,
        )
        errors = [
            (e, r) for e, r in zip(examples, batch.rollouts, strict=True) if r.score < cfg.perfect_score
        ]
        edits: list[Successor] = []
        if not errors and cfg.error_groups:
            self.report("skipped", reason="no_errors", **info)
        for _ in range(cfg.error_groups if errors else 0):
            group = ctx.rng.sample(errors, min(cfg.errors_per_group, len(errors)))
            cases = [case_record(component, e, r, cfg.max_field_chars) for e, r in group]
            reasons = self.ask(
                gradient_messages(
                    task=ctx.task.description,
                    prompt=text,
                    contract=contract,
                    cases=cases,
                    count=cfg.reasons_per_group,
                ),
                REASON_TAG,
                cfg.reasons_per_group,
                Checks(min_words=3, max_words=cfg.max_words, echo_chars=cfg.echo_chars, shapes=SHAPES),
                stage="gradient",
                **info,
            )
            for reason in reasons:
                new = self.ask(
                    edit_messages(
                        task=ctx.task.description,
                        prompt=text,
                        contract=contract,
                        cases=cases,
                        reason=reason,
                        placeholders=placeholders,
                        count=cfg.edits_per_reason,
                    ),
                    PROMPT_TAG,
                    cfg.edits_per_reason,
                    Checks(parent=text, example_fields=record_fields(cases), **prompt_checks),
                    stage="edit",
                    **info,
                )
                edits.extend(Successor(t, "apo-edit", reason) for t in new)
        sources: dict[str, str] = {}  # each distinct edit once (its first reason), then the parent
        for s in edits:
            sources.setdefault(s.text, s.reason)
        if cfg.paraphrase_parent:
            sources.setdefault(text, "")
        paraphrases: list[Successor] = []
        for source, reason in sources.items():
            for _ in range(cfg.paraphrases_per_prompt):
                got = self.ask(
                    paraphrase_messages(task=ctx.task.description, prompt=source, placeholders=placeholders),
                    PROMPT_TAG,
                    1,
                    Checks(parent=source, **prompt_checks),
                    stage="paraphrase",
                    **info,
                )
                paraphrases.extend(Successor(t, "apo-paraphrase", reason) for t in got)
        return edits + paraphrases
