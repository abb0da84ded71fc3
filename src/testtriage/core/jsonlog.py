"""Normalize a JSON log object (pino, bunyan, winston, structlog, Python loggers) into one shape."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

MAX_TEXT = 16_384
"""Characters of a line kept for matching and display; the rest is cut with a visible marker."""

LEVEL_TRACE, LEVEL_DEBUG, LEVEL_INFO, LEVEL_WARN, LEVEL_ERROR, LEVEL_FATAL = 10, 20, 30, 40, 50, 60

LEVEL_NAMES: dict[str, int] = {
    "trace": LEVEL_TRACE,
    "verbose": LEVEL_TRACE,
    "debug": LEVEL_DEBUG,
    "info": LEVEL_INFO,
    "information": LEVEL_INFO,
    "notice": LEVEL_INFO,
    "log": LEVEL_INFO,
    "warn": LEVEL_WARN,
    "warning": LEVEL_WARN,
    "error": LEVEL_ERROR,
    "err": LEVEL_ERROR,
    "exception": LEVEL_ERROR,
    "fatal": LEVEL_FATAL,
    "critical": LEVEL_FATAL,
    "crit": LEVEL_FATAL,
    "alert": LEVEL_FATAL,
    "emergency": LEVEL_FATAL,
    "emerg": LEVEL_FATAL,
    "panic": LEVEL_FATAL,
}
"""String levels of winston, structlog, Python logging, logback, Serilog and syslog, by rank."""

_LEVEL_KEYS = ("level", "levelname", "severity", "log.level", "lvl", "@l", "Level", "loglevel")
_TIME_KEYS = ("time", "timestamp", "@timestamp", "ts", "t", "@t", "asctime", "datetime")
_MESSAGE_KEYS = ("msg", "message", "event", "@m", "@mt", "Message", "text")
_FALLBACK_MESSAGE_KEYS = ("detail", "description", "error_description", "reason", "title")
"""Error bodies logged as they are (`{"detail": "..."}`) carry their message under these."""
_ERROR_KEYS = ("err", "error", "exception", "exc_info", "@x", "Exception", "error.message")
_ERROR_DETAIL_KEYS = (
    "code", "detail", "details", "hint", "constraint", "table", "column", "schema", "routine",
)  # fmt: skip
MAX_EXTRA_FIELDS = 40
MAX_FIELD_CHARS = 300


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The error object of a structured log line (pino `err`, structlog `exception`, ...)."""

    type: str = ""
    message: str = ""
    stack: str = ""
    code: str = ""
    detail: str = ""
    hint: str = ""
    constraint: str = ""
    table: str = ""
    column: str = ""


@dataclass(frozen=True, slots=True)
class LogFields:
    """A JSON log object, normalized across pino, bunyan, winston, structlog and Python loggers."""

    level: int | None
    """Rank on pino's scale: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal."""
    level_name: str
    time: float | None
    """Seconds since the epoch."""
    message: str
    error: ErrorInfo | None
    extra: tuple[tuple[str, str], ...] = ()
    """The other top-level fields, as display strings, when given up front (see `shown`)."""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The parsed object, kept to show its other fields on demand (most are never shown)."""
    used: frozenset[str] = frozenset()
    """The keys normalized above, left out of `shown`."""

    def shown(self) -> tuple[tuple[str, str], ...]:
        """The other top-level fields, as display strings, bounded in count and length."""
        if self.extra or not self.raw:
            return self.extra
        extra: list[tuple[str, str]] = []
        for key, value in self.raw.items():
            if key in self.used:
                continue
            if len(extra) >= MAX_EXTRA_FIELDS:
                break
            extra.append((str(key)[:80], _display(value)))
        return tuple(extra)


def parse_json_log(text: str) -> LogFields | None:
    """Parse a JSON object into log fields, or None when it is not a JSON object."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "number" not in str(exc):
            return None
        try:  # orjson refuses numbers beyond a double (1e999, 400 digits); the stdlib reads them
            obj = json.loads(text)
        except (ValueError, RecursionError):
            return None
    if not isinstance(obj, dict):
        return None
    return normalize_log(obj)


def normalize_log(obj: dict[str, Any]) -> LogFields:
    """Map the field names of the common JSON loggers onto one shape."""
    used: set[str] = set()
    level, level_name = _pick_level(obj, used)
    when = _pick_time(obj, used)
    message = _pick_str(obj, _MESSAGE_KEYS, used) or _pick_str(obj, _FALLBACK_MESSAGE_KEYS, used)
    error = _pick_error(obj, used)
    if error is None and "stack" in obj and isinstance(obj["stack"], str):
        error = ErrorInfo(stack=obj["stack"][:4000])
        used.add("stack")
    return LogFields(
        level=level,
        level_name=level_name,
        time=when,
        message=message,
        error=error,
        raw=obj,
        used=frozenset(used),
    )


def log_match_text(log: LogFields) -> str:
    """The text rules match for a JSON log: its message, then the error's parts, one per line."""
    parts = [log.message] if log.message else []
    err = log.error
    if err is not None:
        if err.type and err.message:
            parts.append(f"{err.type}: {err.message}")
        elif err.message:
            parts.append(err.message)
        elif err.stack:
            parts.append(err.stack.split("\n", 1)[0])
        if err.code:
            parts.append(f"code: {err.code}")
        if err.detail:
            parts.append(f"DETAIL: {err.detail}")
        if err.hint:
            parts.append(f"HINT: {err.hint}")
    return "\n".join(parts)


def _pick_level(obj: dict[str, Any], used: set[str]) -> tuple[int | None, str]:
    for key in _LEVEL_KEYS:
        if key not in obj:
            continue
        value = obj[key]
        used.add(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            number = int(value)
            # pino/bunyan use 10..60; some loggers use syslog 0..7 or Python's 10..50 (same scale).
            return (number if number >= 10 else syslog_rank(number)), str(value)
        if isinstance(value, str):
            rank = LEVEL_NAMES.get(value.strip().lower())
            if rank is None and value.strip().isdecimal() and value.isascii():
                rank = int(value.strip())
            return rank, value
        if isinstance(value, dict):  # bunyan-like {"label": "error", "value": 50}
            label = value.get("label") or value.get("name")
            if isinstance(label, str):
                return LEVEL_NAMES.get(label.lower()), label
    return None, ""


def syslog_rank(number: int) -> int:
    if number <= 2:
        return LEVEL_FATAL
    if number == 3:
        return LEVEL_ERROR
    if number == 4:
        return LEVEL_WARN
    if number <= 6:
        return LEVEL_INFO
    return LEVEL_DEBUG


def _pick_time(obj: dict[str, Any], used: set[str]) -> float | None:
    for key in _TIME_KEYS:
        if key not in obj:
            continue
        value = obj[key]
        used.add(key)
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            number = float(value)
            if number > 1e14:  # microseconds or nanoseconds
                return number / (1e9 if number > 1e17 else 1e6)
            return number / 1000 if number > 1e11 else number
        if isinstance(value, str):
            return _parse_iso(value)
    return None


def _parse_iso(value: str) -> float | None:
    text = value.strip().replace("Z", "+00:00")
    if " " in text and "T" not in text:
        text = text.replace(" ", "T", 1)
    if "," in text:
        text = text.replace(",", ".", 1)
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def _pick_str(obj: dict[str, Any], keys: tuple[str, ...], used: set[str]) -> str:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str):
            used.add(key)
            return value[:MAX_TEXT]
    return ""


def _pick_error(obj: dict[str, Any], used: set[str]) -> ErrorInfo | None:
    for key in _ERROR_KEYS:
        if key not in obj:
            continue
        value = obj[key]
        if value is None or value is False or value == "":
            continue
        used.add(key)
        if isinstance(value, str):
            return _error_from_text(value)
        if isinstance(value, dict):
            return _error_from_object(value)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return _error_from_object(value[0])  # structlog dict_tracebacks
        return ErrorInfo(message=_display(value))
    return None


def _error_from_text(value: str) -> ErrorInfo:
    """An error given as a string: a message, or a whole traceback (structlog `exception`)."""
    value = value[:MAX_TEXT]
    if "\n" not in value:
        return ErrorInfo(message=value)
    lines = [line for line in value.strip().splitlines() if line.strip()]
    head = _traceback_head(lines) if lines and lines[0].startswith("Traceback") else lines[0]
    # Database drivers put the detail on the line after the error (psycopg's `DETAIL:`).
    detail = next(
        (line.strip()[7:].strip() for line in lines if line.strip().startswith("DETAIL:")), ""
    )
    type_, _, message = head.partition(": ")
    if not message or " " in type_.strip():
        return ErrorInfo(message=head, stack=value[:4000], detail=detail)
    return ErrorInfo(type=type_.strip(), message=message, stack=value[:4000], detail=detail)


_EXCEPTION_HEAD_RE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Warning|Violation|Exit)\b.*:")


def _traceback_head(lines: list[str]) -> str:
    """The exception line of a Python traceback: the first `Type: message` line after the last
    frame, not its last line (psycopg adds `DETAIL:`, pydantic a documentation link)."""
    last_frame = max(
        (i for i, line in enumerate(lines) if line.lstrip().startswith("File ")), default=0
    )
    for line in lines[last_frame + 1 :]:
        if _EXCEPTION_HEAD_RE.match(line.strip()):
            return line.strip()
    return lines[-1].strip()


def _error_from_object(value: dict[str, Any]) -> ErrorInfo:
    def text(key: str) -> str:
        item = value.get(key)
        if item is None:
            return ""
        return item[:MAX_TEXT] if isinstance(item, str) else _display(item)

    message = text("message") or text("msg") or text("exc_value") or text("exc_message")
    type_ = text("type") or text("name") or text("exc_type") or text("class")
    details = {key: text(key) for key in _ERROR_DETAIL_KEYS}
    return ErrorInfo(
        type=type_,
        message=message,
        stack=(text("stack") or text("stacktrace") or text("traceback"))[:4000],
        code=details["code"],
        detail=details["detail"] or details["details"],
        hint=details["hint"],
        constraint=details["constraint"],
        table=details["table"],
        column=details["column"],
    )


def _display(value: object) -> str:
    if isinstance(value, str):
        text = value
    else:
        try:
            text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:  # too deep, or not serializable: say so rather than recurse
            text = f"<{type(value).__name__} too deeply nested to show>"
    if len(text) > MAX_FIELD_CHARS:
        text = text[:MAX_FIELD_CHARS] + "…"
    return text
