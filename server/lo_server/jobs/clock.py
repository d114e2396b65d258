"""The schedule clock: a thread that fires due schedules once a second."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Clock:
    def __init__(self, fire_due: Callable[[float], object], interval: float = 1.0):
        self._fire_due = fire_due
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lo-clock", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._fire_due(time.time())
            except Exception:  # noqa: BLE001 - one bad schedule must not stop the clock
                log.exception("firing schedules failed")
