"""GEPA, the reflective Genetic-Pareto prompt optimizer (see `optimizer.py` for the map to the paper)."""

from paretoprompt.optimizers.gepa.config import GEPAConfig
from paretoprompt.optimizers.gepa.optimizer import GEPA

__all__ = ["GEPA", "GEPAConfig"]
