"""Remember what is costly to derive on disk, keyed by the content it was derived from."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

CACHE_VERSION = "1"
"""Part of every key: bump it when what a cached value means changes."""


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "testtriage")


def cached(
    kind: str,
    key: Sequence[str],
    build: Callable[[], T],
    valid: Callable[[Any], bool],
) -> T:
    """`build()`, or what it returned before for the same `kind` and `key` (JSON on disk).

    A cached value that does not pass `valid` is built again. A read-only home, a full disk
    or a value JSON cannot hold only costs the next start-up its speed.
    """
    digest = hashlib.blake2b("\x00".join([CACHE_VERSION, *key]).encode(), digest_size=16)
    path = os.path.join(cache_dir(), f"{kind}-{digest.hexdigest()}.json")
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
        if valid(value):
            return value  # type: ignore[no-any-return]
    except (OSError, ValueError):
        pass
    built = build()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(built, handle)
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError):
        pass
    return built
