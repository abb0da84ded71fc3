"""Turning command-line source arguments (paths, globs, `-`) into the list of sources to read."""

from __future__ import annotations

import glob
import os

from testtriage.core.ingest.chunks import SourceSpec

_GLOB_CHARS = frozenset("*?[")


class SourceError(ValueError):
    """A source argument that cannot be used; the message is one line, fit for the user."""


def expand_sources(args: list[str], follow: bool) -> list[SourceSpec]:
    """The sources named by `args`, in order, each once.

    `-` is standard input. A glob pattern expands to the regular files it matches, sorted. A
    path that exists literally is taken as is, even if it contains glob characters. A literal
    path that does not exist, or names a directory, is kept: following waits for it, a
    one-pass read reports it as that source's error while the other sources are read.

    Raises:
        SourceError: a pattern matches no file.
    """
    specs: list[SourceSpec] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = "-" if path == "-" else os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            specs.append(SourceSpec(path))

    for arg in args:
        if arg == "-" or os.path.lexists(arg) or not _GLOB_CHARS.intersection(arg):
            add(arg)
        else:
            matches = sorted(p for p in glob.glob(arg, recursive=True) if not os.path.isdir(p))
            if not matches:
                when = " yet (patterns are expanded once, at start)" if follow else ""
                raise SourceError(f"no file matches {arg}{when}")
            for path in matches:
                add(path)
    return specs
