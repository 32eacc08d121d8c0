"""Run progress: a rich live panel on stderr when it is a terminal, plain log lines otherwise.

Never writes to stdout, so `paretoprompt optimize ... > out.txt` and library use stay clean.
Updates are pulled lazily (a callable) and throttled, so progress costs nothing per rollout.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

log = logging.getLogger("paretoprompt.run")


@dataclass(frozen=True)
class ProgressState:
    rollouts_used: int = 0
    rollout_budget: int | None = None
    candidates: int = 0
    seed_val: float | None = None
    best_val: float | None = None
    front_size: int = 0
    last_outcome: str = ""
    lm_seconds: dict[str, float] = field(default_factory=dict)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def render(s: ProgressState) -> Table:
    budget = "unlimited" if s.rollout_budget is None else str(s.rollout_budget)
    lm = ", ".join(f"{role} {secs:.0f}s" for role, secs in sorted(s.lm_seconds.items())) or "-"
    table = Table.grid(padding=(0, 2))
    table.add_row("rollouts", f"{s.rollouts_used} / {budget}")
    table.add_row("val score", f"best {_fmt(s.best_val)}  (seed {_fmt(s.seed_val)})")
    table.add_row("candidates", f"{s.candidates}  (front {s.front_size})")
    table.add_row("last proposal", s.last_outcome or "-")
    table.add_row("LM time", lm)
    return table


class Progress:
    """Shows a run's state. `live=None` picks the rich panel only when stderr is a terminal."""

    def __init__(self, *, enabled: bool = True, live: bool | None = None, min_interval_s: float = 0.25):
        self.enabled = enabled
        self.live_mode = enabled and (sys.stderr.isatty() if live is None else live)
        self._min_interval = min_interval_s
        self._last = 0.0
        self._live: Live | None = None
        self._logged: tuple[int, str] = (0, "")

    def start(self) -> None:
        if self.live_mode:
            self._live = Live(render(ProgressState()), console=Console(stderr=True), auto_refresh=False)
            self._live.start()

    def update(self, state: Callable[[], ProgressState], *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self._min_interval:
            return
        self._last = now
        s = state()
        if self._live is not None:
            self._live.update(render(s), refresh=True)
        elif (s.candidates, s.last_outcome) != self._logged or force:
            self._logged = (s.candidates, s.last_outcome)
            log.info(
                "rollouts %d/%s, best val %s (seed %s), %d candidates, front %d, last proposal %s",
                s.rollouts_used,
                s.rollout_budget or "-",
                _fmt(s.best_val),
                _fmt(s.seed_val),
                s.candidates,
                s.front_size,
                s.last_outcome or "-",
            )

    def note(self, text: str) -> None:
        """A phase change (e.g. test scoring begins), so a long quiet stretch is explained."""
        if not self.enabled:
            return
        log.info(text)
        if self._live is not None:
            self._live.console.print(escape(text))

    def message(self, text: str) -> None:
        """A warning worth showing even above the live panel."""
        log.warning(text)
        if self._live is not None:
            self._live.console.print(f"[yellow]warning:[/] {escape(text)}")

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
