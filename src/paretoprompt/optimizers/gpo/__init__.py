"""GPO, the gradient-inspired LLM prompt optimizer (see `optimizer.py` for the map to the paper)."""

from paretoprompt.optimizers.gpo.config import GPOConfig
from paretoprompt.optimizers.gpo.optimizer import GPO

__all__ = ["GPO", "GPOConfig"]
