"""One reflective proposal: the parent's minibatch records -> meta-prompt -> reflection LM -> checked instruction.

Apart from the loop so that `benchmarks/reflection_probe.py` asks exactly as a run does.
"""

from __future__ import annotations

from collections.abc import Sequence

from paretoprompt.lm.base import GenerationParams
from paretoprompt.lm.client import LM
from paretoprompt.optimizers.base import Rollout
from paretoprompt.optimizers.gepa.config import GEPAConfig
from paretoprompt.optimizers.gepa.memory import Rejected
from paretoprompt.optimizers.gepa.reflection_parse import CLOSE_TAG, parse_proposal
from paretoprompt.optimizers.gepa.reflection_prompt import (
    answer_labels,
    answer_pattern,
    build_reflection_messages,
    records_for,
    template_heads,
    template_lines,
)
from paretoprompt.optimizers.strategies.prompt_parts import clip, record_fields
from paretoprompt.optimizers.strategies.proposals import Proposal, call_reflection
from paretoprompt.programs.base import Program
from paretoprompt.tasks.base import Example, Task

RAW_CHARS = 500
"""How much of a malformed reflection answer the journal keeps, for diagnosis."""


def propose(
    reflection_lm: LM,
    task: Task,
    program: Program,
    cfg: GEPAConfig,
    *,
    parent_text: str,
    component: str,
    examples: Sequence[Example],
    rollouts: Sequence[Rollout],
    tried: Sequence[Rejected],
    seed: int | None,
    temperature: float | None = None,
) -> tuple[Proposal, str]:
    """The parsed proposal for `component`, plus the raw answer (clipped) for the journal.
    `temperature` overrides the config's (GEPA's retries sample hotter)."""
    records = records_for(component, examples, rollouts, cfg.max_field_chars)
    required = program.required_placeholders(component)
    contract = program.contract(component)
    labels = answer_labels(task.splits.train, contract)
    messages = build_reflection_messages(
        instruction=parent_text,
        contract=contract,
        task_description=task.description,
        records=records,
        tried=tried,
        placeholders=sorted(required),
        pattern=answer_pattern(examples, rollouts),
        labels=labels,
    )
    params = GenerationParams(
        temperature=cfg.reflection_temperature if temperature is None else temperature,
        max_tokens=cfg.reflection_max_tokens,
        stop=(CLOSE_TAG,),
        seed=seed,
    )
    answer = call_reflection(reflection_lm, messages, params)
    raw = clip(answer.text, RAW_CHARS)
    if answer.failure is not None:
        return answer.failure, raw
    parsed = parse_proposal(
        answer.text,
        finish_reason=answer.finish_reason,
        parent=parent_text,
        contract=contract,
        required_placeholders=required,
        example_fields=record_fields(records),
        min_words=cfg.min_words,
        max_words=cfg.max_words,
        echo_chars=cfg.echo_chars,
        template_heads=template_heads(labels),
        template_lines=template_lines(labels),
    )
    return parsed, raw
