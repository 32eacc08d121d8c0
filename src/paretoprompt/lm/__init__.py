"""The LM layer: one interface for every model, with cache, retries and accounting."""

from paretoprompt.lm.base import Backend, Completion, GenerationParams, Message, Messages
from paretoprompt.lm.cache import SqliteCache
from paretoprompt.lm.client import LM, ResponseCache
from paretoprompt.lm.factory import make_backend, make_lm
from paretoprompt.lm.faults import FaultInjectingBackend, parse_fault_spec
from paretoprompt.lm.litellm_backend import LiteLLMBackend
from paretoprompt.lm.replay import RecordingBackend, ReplayBackend, UnrecordedRequest
from paretoprompt.lm.retry import RetryPolicy
from paretoprompt.lm.usage import Usage, UsageLedger
from paretoprompt.lm.usage_table import format_usage_table

__all__ = [
    "LM",
    "Backend",
    "Completion",
    "FaultInjectingBackend",
    "GenerationParams",
    "LiteLLMBackend",
    "Message",
    "Messages",
    "RecordingBackend",
    "ReplayBackend",
    "ResponseCache",
    "RetryPolicy",
    "SqliteCache",
    "UnrecordedRequest",
    "Usage",
    "UsageLedger",
    "format_usage_table",
    "make_backend",
    "make_lm",
    "parse_fault_spec",
]
