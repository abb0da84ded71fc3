"""Turn one line of a source into a record: ANSI stripped for matching, JSON logs parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from testtriage.core.jsonlog import (
    LEVEL_DEBUG,
    LEVEL_ERROR,
    LEVEL_FATAL,
    LEVEL_INFO,
    LEVEL_NAMES,
    LEVEL_TRACE,
    LEVEL_WARN,
    MAX_TEXT,
    ErrorInfo,
    LogFields,
    log_match_text,
    normalize_log,
    parse_json_log,
    syslog_rank,
)

__all__ = [
    "LEVEL_DEBUG",
    "LEVEL_ERROR",
    "LEVEL_FATAL",
    "LEVEL_INFO",
    "LEVEL_NAMES",
    "LEVEL_TRACE",
    "LEVEL_WARN",
    "MAX_TEXT",
    "ErrorInfo",
    "LogFields",
    "Record",
    "build_record",
    "decode_line",
    "log_match_text",
    "normalize_log",
    "parse_json_log",
    "strip_ansi",
    "text_level",
]

TRUNCATION_MARKER = " …[line truncated by testtriage]"
"""Appended to a line cut for length, by ingest (bytes) or here (characters)."""

# CSI (colours, cursor moves), OSC (titles, links, clipboard) and lone two-byte escapes.
ANSI_RE = re.compile(
    r"\x1b\[[0-9;:<=>?]*[ -/]*[@-~]"
    # String sequences end at their terminator, or at the line's end when it never comes:
    # block scans strip whole chunks, and an unterminated OSC must not swallow later lines.
    r"|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b\n]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-9;:<=>?]*[ -/]*[@-~]"
)
ANSI_BYTES_RE = re.compile(ANSI_RE.pattern.encode("latin-1"))

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Record:
    """One logical entry of a source: a text line, or a JSON log object, with its location."""

    source: str
    line: int
    """1-based line number in the source."""
    raw: str
    """The decoded line as written, escapes included; never print it unsanitized."""
    text: str
    """What rules match: the line without ANSI escapes, or a JSON log's message and error parts."""
    log: LogFields | None = None
    prefix: str = ""
    """Plain text before an embedded JSON object, such as `stderr | ` or a timestamp."""
    truncated: bool = False
    level: int | None = field(default=None)
    """The JSON log's level, or one read off a text line (`ERROR:`, `level=error`), if any."""

    @property
    def is_json(self) -> bool:
        return self.log is not None


def strip_ansi(text: str) -> str:
    """Remove terminal escape sequences so rules see what a person reads."""
    if "\x1b" not in text and "\x9b" not in text:
        return text
    return ANSI_RE.sub("", text)


def decode_line(data: bytes) -> str:
    """Decode one line's bytes: invalid UTF-8 becomes U+FFFD, CR and NUL are made harmless."""
    text = data.decode("utf-8", "replace")
    if text.endswith("\r"):
        text = text[:-1]
    if "\r" in text:
        text = text.replace("\r", " ")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return text


def build_record(source: str, line: int, data: bytes) -> Record:
    """Build the record of one line (without its newline)."""
    raw = decode_line(data)
    truncated = raw.endswith(TRUNCATION_MARKER)
    plain = strip_ansi(raw)
    brace = plain.find("{")
    if brace != -1 and not truncated and plain.rstrip().endswith("}"):
        # Parsed whole (ingest bounds a line), cut afterwards: a long JSON line keeps its level.
        log = parse_json_log(plain[brace:])
        if log is not None:
            if len(raw) > MAX_TEXT:
                raw, truncated = raw[:MAX_TEXT] + TRUNCATION_MARKER, True
            return Record(
                source=source,
                line=line,
                raw=raw,
                text=log_match_text(log)[:MAX_TEXT],
                log=log,
                prefix=plain[:brace][:200],
                truncated=truncated,
                level=log.level,
            )
    if len(raw) > MAX_TEXT:
        raw, truncated = raw[:MAX_TEXT] + TRUNCATION_MARKER, True
        plain = strip_ansi(raw)
    text = plain if plain.isprintable() else _CONTROL_RE.sub(" ", plain)
    level = text_level(text)
    if level is None and brace != -1:
        level = _cut_json_level(text[brace:])
    return Record(source=source, line=line, raw=raw, text=text, truncated=truncated, level=level)


_JSON_LEVEL_RE = re.compile(r'"(?:level|severity|levelname|lvl)"\s*:\s*(?:(\d+)|"(\w+)")')


def _cut_json_level(text: str) -> int | None:
    """The level of a JSON log line too long (or too odd) to parse: read off its level field."""
    if not text.startswith("{"):
        return None
    match = _JSON_LEVEL_RE.search(text[:2000])
    if match is None:
        return None
    if match.group(1):
        number = int(match.group(1))
        return number if number >= 10 else syslog_rank(number)
    return LEVEL_NAMES.get(match.group(2).lower())


_TEXT_LEVEL_RE = re.compile(
    r"^(?:\S+\s+){0,3}?\[?(?P<a>ERROR|FATAL|CRITICAL|PANIC|WARN(?:ING)?)\]?[:\s]"
    r"|\blevel=\"?(?P<b>error|fatal|critical|warn(?:ing)?)\b"
    r"|\[(?P<c>error|fatal|critical|warn(?:ing)?)\s*\]"
    r"|^(?P<d>[EFW]), \[\d{4}-"
    r"|^(?P<e>panic): ",
    re.IGNORECASE,
)
_LETTER_LEVELS = {"e": LEVEL_ERROR, "f": LEVEL_FATAL, "w": LEVEL_WARN}


def text_level(text: str) -> int | None:
    """The level a plain log line states, if it states one the common formats use."""
    if len(text) > 2000:
        text = text[:2000]
    # Most lines state no level: a few substring tests are far cheaper than the regex.
    low = text.lower()
    if (
        "rror" not in low
        and "atal" not in low
        and "ritical" not in low
        and "warn" not in low
        and "panic" not in low
        and not text.startswith(("E, [", "F, [", "W, ["))
    ):
        return None
    match = _TEXT_LEVEL_RE.search(text)
    if match is None:
        return None
    word = next(g for g in match.groups() if g).lower()
    if word in _LETTER_LEVELS:
        return _LETTER_LEVELS[word]
    return LEVEL_NAMES.get(word, LEVEL_ERROR)
