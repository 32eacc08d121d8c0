"""JSON forms of what the journal stores: rollouts (with full traces), usage and completions.

Plain JSON, no pickle: a journal stays readable by any tool and by future versions. Values a
program puts in outputs or traces should be JSON-compatible; anything else is stored as its
`repr`, and the optimizer sees that same stored form in a live run and after a resume.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from paretoprompt.lm.base import Completion
from paretoprompt.lm.usage import Usage
from paretoprompt.optimizers.base import Rollout
from paretoprompt.programs.base import ModuleCall, Prediction


def to_jsonable(value: Any) -> Any:
    """A JSON-compatible copy: tuples become lists, unknown objects their repr."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=repr))


def rollout_to_json(r: Rollout) -> dict[str, Any]:
    p = r.prediction
    return {
        "example_id": r.example_id,
        "score": r.score,
        "feedback": r.feedback,
        "failed": r.failed,
        "output": to_jsonable(p.output),
        "error": p.error,
        "trace": [
            {
                "module": c.module,
                "inputs": to_jsonable(dict(c.inputs)),
                "messages": [dict(m) for m in c.messages],
                "raw_output": c.raw_output,
                "parsed": to_jsonable(c.parsed),
                "parse_error": c.parse_error,
            }
            for c in p.trace
        ],
    }


def rollout_from_json(d: Mapping[str, Any]) -> Rollout:
    trace = tuple(
        ModuleCall(
            module=c["module"],
            inputs=c["inputs"],
            messages=tuple(c["messages"]),
            raw_output=c["raw_output"],
            parsed=c["parsed"],
            parse_error=c["parse_error"],
        )
        for c in d["trace"]
    )
    prediction = Prediction(output=d["output"], trace=trace, error=d["error"])
    return Rollout(d["example_id"], d["score"], d["feedback"], prediction, failed=d["failed"])


def usage_to_json(usage: Mapping[str, Usage]) -> dict[str, dict[str, Any]]:
    """`Usage` has only scalar fields, so a shallow copy equals `dataclasses.asdict` at a tenth of its cost."""
    return {role: dict(vars(u)) for role, u in usage.items()}


def usage_from_json(d: Mapping[str, Mapping[str, Any]]) -> dict[str, Usage]:
    return {role: Usage(**u) for role, u in d.items()}


def completion_to_json(c: Completion) -> dict[str, Any]:
    return dataclasses.asdict(c)


def completion_from_json(d: Mapping[str, Any]) -> Completion:
    return Completion(**d)
