"""Stable ids and independent random substreams: nothing depends on generation order."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

#: substream tags (first element of a SeedSequence entropy after the seed)
STREAM_ACCOUNT, STREAM_TRACKS, STREAM_FAULTS, STREAM_GLOBAL, STREAM_STAFF = 1, 2, 3, 4, 5


def ident(prefix: str, seed: int, *parts: object, n: int = 14) -> str:
    """A stable id from the seed and parts (no dependence on generation order)."""
    h = hashlib.blake2b(("|".join(map(str, (seed, prefix, *parts)))).encode(), digest_size=12).digest()
    v = int.from_bytes(h, "big")
    chars = []
    for _ in range(n):
        v, r = divmod(v, 62)
        chars.append(_B62[r])
    return prefix + "".join(chars)


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    """An independent generator for (seed, stream...): substreams do not depend on iteration order."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *stream])))


def choice(rng: np.random.Generator, options: Sequence[T], p: Sequence[float] | None = None) -> T:
    """One of ``options`` (with probabilities ``p``), drawn from ``rng``."""
    return options[int(rng.choice(len(options), p=p))]
