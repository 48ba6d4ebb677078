"""The one logger of the tool: ``get_logger()``; ``setup_logging`` configures it once."""
from __future__ import annotations

import logging
import os
import sys

LOGGER_NAME = 'opencompass'
_FORMAT = '%(asctime)s %(levelname).1s %(message)s'


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then scrubs every known secret (message, arguments, traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        from .redaction import scrub
        return scrub(super().format(record))


def get_logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


def setup_logging(level: str | int = 'INFO', log_file: str | None = None) -> logging.Logger:
    """Console handler on stderr (brief) and, optionally, a detailed file handler."""
    logger = get_logger()
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    for h in list(logger.handlers):
        if h.get_name() == 'oc-console' or (log_file and h.get_name() == 'oc-file'):
            logger.removeHandler(h)
            h.close()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(os.environ.get('OC_LOG_LEVEL', level))
    console.setFormatter(RedactingFormatter('%(levelname)s %(message)s' if sys.stderr.isatty()
                                           else _FORMAT, '%H:%M:%S'))
    console.set_name('oc-console')
    logger.addHandler(console)
    if log_file:
        add_file_handler(log_file)
    return logger


def add_file_handler(log_file: str) -> None:
    logger = get_logger()
    os.makedirs(os.path.dirname(os.path.abspath(log_file)), exist_ok=True)
    fh = logging.FileHandler(log_file, encoding='utf-8')
    fh.setLevel(logging.DEBUG)
    fh.setFormatter(RedactingFormatter(_FORMAT, '%Y-%m-%d %H:%M:%S'))
    fh.set_name('oc-file')
    logger.addHandler(fh)
