"""The LM layer: one interface for every model, with cache, retries and accounting."""

from paretoprompt.lm.base import Backend, Completion, GenerationParams, Message, Messages
from paretoprompt.lm.client import LM, ResponseCache
from paretoprompt.lm.retry import RetryPolicy
from paretoprompt.lm.usage import Usage, UsageLedger

__all__ = [
    "LM",
    "Backend",
    "Completion",
    "GenerationParams",
    "Message",
    "Messages",
    "ResponseCache",
    "RetryPolicy",
    "Usage",
    "UsageLedger",
]
