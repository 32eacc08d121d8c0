"""`FaultInjectingBackend`: a flaky provider on demand, for tests and user drills.

Whether a request fails, and how, depends only on the seed, the request's cache key and how
many times that request was seen before, so a drill is reproducible even with many threads.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections import Counter
from dataclasses import dataclass

from paretoprompt.errors import TransientLMError, UserError
from paretoprompt.lm.base import Backend, Completion, GenerationParams, Messages
from paretoprompt.lm.cache_key import cache_key
from paretoprompt.lm.client import LM

TRANSIENT_KINDS = ("timeout", "429", "5xx", "reset")
CONTENT_KINDS = ("empty", "truncated", "garbage")
FAULT_KINDS = TRANSIENT_KINDS + CONTENT_KINDS


class FaultInjectingBackend:
    """Wraps `inner`; each request fails with probability `rate` with one of `kinds`.

    Transient kinds raise `TransientLMError` without calling `inner`. Content kinds call `inner`
    (the provider was paid) and damage its answer, marking it `injected_fault` so `LM` never
    writes it to the response cache. `stats` counts injected faults per kind.
    """

    def __init__(
        self,
        inner: Backend,
        rate: float,
        kinds: set[str] | frozenset[str] | None = None,
        seed: int = 0,
        *,
        retry_after_s: float = 1.0,
    ) -> None:
        kinds = set(FAULT_KINDS) if kinds is None else set(kinds)
        if not 0.0 <= rate <= 1.0:
            raise UserError(f"fault rate must be in [0, 1], got {rate}")
        if not kinds or not kinds <= set(FAULT_KINDS):
            raise UserError(
                f"fault kinds must be among {', '.join(FAULT_KINDS)}; got {', '.join(sorted(kinds))}"
            )
        self.inner = inner
        self.rate = rate
        self.kinds = tuple(k for k in FAULT_KINDS if k in kinds)
        self.seed = seed
        self.retry_after_s = retry_after_s
        self.stats: Counter[str] = Counter()
        self.calls = 0
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def faults(self) -> int:
        return sum(self.stats.values())

    def generate(
        self, messages: Messages, params: GenerationParams, *, slot: int | None = None
    ) -> Completion:
        key = cache_key(self.model, messages, params)
        with self._lock:
            occurrence = self._seen[key]
            self._seen[key] += 1
            self.calls += 1
        rng = random.Random(f"{self.seed}:{key}:{occurrence}")
        kind = rng.choice(self.kinds) if rng.random() < self.rate else None
        if kind is not None:
            with self._lock:
                self.stats[kind] += 1
        if kind in TRANSIENT_KINDS:
            raise self._transient(kind)
        completion = self.inner.generate(messages, params, slot=slot)
        if kind == "empty":
            return dataclasses.replace(completion, text="", completion_tokens=0, injected_fault=kind)
        if kind == "truncated":
            half = completion.text[: len(completion.text) // 2]
            return dataclasses.replace(completion, text=half, finish_reason="length", injected_fault=kind)
        if kind == "garbage":
            text = rng.randbytes(48).decode("utf-8", errors="replace")
            return dataclasses.replace(completion, text=text, injected_fault=kind)
        return completion

    def _transient(self, kind: str | None) -> TransientLMError:
        if kind == "timeout":
            return TransientLMError(f"{self.model}: injected fault: request timed out")
        if kind == "429":
            return TransientLMError(
                f"{self.model}: injected fault: 429 rate limited (Retry-After {self.retry_after_s:g}s)",
                retry_after=self.retry_after_s,
            )
        if kind == "5xx":
            return TransientLMError(f"{self.model}: injected fault: 503 service unavailable")
        return TransientLMError(f"{self.model}: injected fault: connection reset by peer")


@dataclass(frozen=True)
class FaultSpec:
    """A parsed `--inject-faults` value."""

    rate: float
    kinds: frozenset[str]
    seed: int = 0

    def wrap(self, inner: Backend) -> FaultInjectingBackend:
        return FaultInjectingBackend(inner, self.rate, set(self.kinds), self.seed)

    def wrap_lm(self, lm: LM) -> LM:
        """`lm` with its backend made flaky; cache, retries and ledger unchanged.

        The faults sit between the cache and the provider: cache hits are served clean (they
        never reach the network) and damaged answers are never cached (see `LM.complete`).
        """
        return lm.derive(backend=self.wrap(lm.backend))


def parse_fault_spec(spec: str) -> FaultSpec:
    """Parse `rate=0.3,kinds=timeout,429,seed=7`; kinds default to all, `kinds=all` too.

    Bare items after `kinds=` continue the kinds list, so commas can separate both.
    """
    values: dict[str, list[str]] = {}
    current = None
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        if "=" in item:
            current, _, value = (s.strip() for s in item.partition("="))
            if current not in ("rate", "kinds", "seed") or current in values:
                raise UserError(
                    f"--inject-faults: unknown or repeated key {current!r} (use rate=, kinds=, seed=)"
                )
            values[current] = [value] if value else []
        elif current == "kinds":
            values["kinds"].append(item)
        else:
            raise UserError(f"--inject-faults: {item!r} is not key=value (e.g. rate=0.3,kinds=timeout,429)")
    if "rate" not in values:
        raise UserError("--inject-faults: rate= is required, e.g. rate=0.3")
    try:
        rate = float(_single(values["rate"], "rate"))
        seed = int(_single(values.get("seed", ["0"]), "seed"))
    except ValueError as err:
        raise UserError(f"--inject-faults: {err}") from None
    kinds = set(values.get("kinds", ["all"]))
    if "all" in kinds:
        kinds = set(FAULT_KINDS)
    unknown = sorted(kinds - set(FAULT_KINDS))
    if unknown or not kinds:
        raise UserError(
            f"--inject-faults: unknown kinds {unknown or '(none)'}; choose from {', '.join(FAULT_KINDS)}"
        )
    if not 0.0 <= rate <= 1.0:
        raise UserError(f"--inject-faults: rate must be in [0, 1], got {rate}")
    return FaultSpec(rate=rate, kinds=frozenset(kinds), seed=seed)


def _single(raw: list[str], key: str) -> str:
    if len(raw) != 1:
        raise UserError(f"--inject-faults: {key}= needs exactly one value, got {','.join(raw) or 'nothing'}")
    return raw[0]
