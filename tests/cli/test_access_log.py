"""`access_log`: Uvicorn's access lines are written by a listener thread, formatted as before."""

from __future__ import annotations

import logging
import threading

from uvicorn.logging import AccessFormatter

from mercato.cli.serve import _access_log_off_the_loop


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(AccessFormatter('%(client_addr)s "%(request_line)s" %(status_code)s'))
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((self.format(record), threading.current_thread().name))


def test_access_lines_are_formatted_by_a_listener_thread() -> None:
    logger = logging.getLogger("uvicorn.access")
    saved, lines = list(logger.handlers), Lines()
    logger.handlers = [lines]
    logger.setLevel(logging.INFO)
    try:
        with _access_log_off_the_loop(True):
            assert lines not in logger.handlers  # a queue stands in for it meanwhile
            logger.info(
                '%s - "%s %s HTTP/%s" %d', "203.0.113.9:5000", "GET", "/g/x.json", "1.1", 200
            )
        assert logger.handlers == [lines]
    finally:
        logger.handlers = saved
    [(line, thread)] = lines.lines
    assert line == '203.0.113.9:5000 "GET /g/x.json HTTP/1.1" 200 OK'
    assert thread != threading.current_thread().name


def test_off_changes_nothing() -> None:
    logger = logging.getLogger("uvicorn.access")
    before = list(logger.handlers)
    with _access_log_off_the_loop(False):
        assert logger.handlers == before
