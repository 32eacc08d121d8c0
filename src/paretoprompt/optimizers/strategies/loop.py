"""The outer loop of a search optimizer: numbered steps until a limit, a stop condition, or the run's end.

`ctx.evaluate` raises `BudgetExhausted` or `StopRequested` when the run must end; catching them
here, once, lets every optimizer return its best candidate so far and say what stopped it.
"""

from __future__ import annotations

from collections.abc import Callable

from paretoprompt.optimizers.base import BudgetExhausted, StopRequested


def run_steps(step: Callable[[int], str | None], limit: int | None, limit_reason: str) -> tuple[int, str]:
    """Call `step(1)`, `step(2)`, ... and return (steps started, why the loop ended).

    It ends after `limit` steps (`limit_reason`; None = no limit), when a step returns a stop
    reason (e.g. too many proposals in a row that cost nothing), or when the budget or a stop
    request ends the run (the exception's name).
    """
    n = 0
    try:
        while limit is None or n < limit:
            n += 1
            if reason := step(n):
                return n, reason
    except (BudgetExhausted, StopRequested) as stop:
        return n, type(stop).__name__
    return n, limit_reason
