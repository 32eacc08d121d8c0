"""APO / ProTeGi, textual gradients with beam search (see `optimizer.py` for the map to the paper)."""

from paretoprompt.optimizers.apo.config import APOConfig
from paretoprompt.optimizers.apo.optimizer import APO

__all__ = ["APO", "APOConfig"]
