"""Running an optimization: journal, budget, replay-based resume, progress and the result."""

from paretoprompt.run.api import optimize, resume, start
from paretoprompt.run.budget import Budget
from paretoprompt.run.result import CandidateRecord, Result

__all__ = ["Budget", "CandidateRecord", "Result", "optimize", "resume", "start"]
