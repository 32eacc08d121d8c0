"""`TaskSpec`: how a named task loads its data and builds its program (kept apart from the registry
so task modules can import it without importing every other task)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from paretoprompt.programs.base import Program
from paretoprompt.tasks.base import Task
from paretoprompt.tasks.splits import SplitSizes


@dataclass(frozen=True)
class TaskSpec:
    """A named task. `load(seed, sizes)` fetches data on first use; `program()` builds the seed program."""

    name: str
    source: str
    description: str
    default_sizes: SplitSizes
    loader: Callable[[int, SplitSizes], Task]
    program_factory: Callable[[], Program]

    def load(self, seed: int = 0, sizes: SplitSizes | None = None) -> Task:
        return self.loader(seed, sizes or self.default_sizes)

    def program(self) -> Program:
        return self.program_factory()
