"""The emulator's log as the command line sets it up: text or JSON lines on stderr, and secrets kept out.

Three loggers matter: ``jobrouter_emulator.requests`` (one line per HTTP request, ``api/request_log.py``),
``jobrouter_emulator.routing`` (one line per routing decision, ``routing_log.py``) and the others of the package
(start-up, delivery, faults). A record may carry ``fields`` (``logger.info(..., extra={"fields": {...}})``): the JSON
format writes them as keys of the line, the text format has them in its message already.

Nothing the emulator logs holds a header, a body or a query string, so signatures, keys and login tokens never reach
the log; :class:`RedactSecrets` is a second line of defence, for messages that quote a URL or a connection string.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, Optional, TextIO

LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error")

_SECRET_PATTERNS = [
    (re.compile(r"(Signature=)[^&\s\"',;]+", re.IGNORECASE), r"\1***"),
    (re.compile(r"(accesskey=)[^;\s\"']+", re.IGNORECASE), r"\1***"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s?#\"']*)\?[^\s#\"']+", re.IGNORECASE), r"\1?***"),  # URL queries
    (re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1***"),
]


class RedactSecrets(logging.Filter):
    """Masks signatures, access keys, bearer tokens, URL query strings and the given secret values in a record's
    message (the record is changed in place, so every handler writes the masked text)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret masked."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        lowered = text.lower()
        # The patterns need one of these; most lines (every request's) have none, and skip four regex scans.
        if "signature=" in lowered or "accesskey=" in lowered or "bearer" in lowered or ("://" in text and "?" in text):
            for pattern, replacement in _SECRET_PATTERNS:
                text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {k: self.redact(v) if isinstance(v, str) else v for k, v in fields.items()}
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, then the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        line: Dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update({k: v for k, v in fields.items() if k not in line})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(
    level: str = "info",
    log_format: str = "text",
    *,
    secrets: Iterable[str] = (),
    stream: Optional[TextIO] = None,
) -> logging.Handler:
    """Send the emulator's log (and any other library's warnings) to ``stream`` (stderr) as ``log_format`` lines,
    with ``secrets`` masked; returns the handler, for the caller to remove when done. Handlers already on the root
    logger stay (a host process's, pytest's)."""
    if level not in LOG_LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # other libraries: warnings and errors only
    logging.getLogger("jobrouter_emulator").setLevel(level.upper())
    return handler
