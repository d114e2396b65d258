"""In-process event bus: job status and progress changes, fanned out to observers.

Publishers may be any thread (Dask callbacks, request handlers); subscribers are asyncio
queues on the server's event loop (observe long-polls and the SSE stream).
"""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import contextmanager

QUEUE_SIZE = 1000


class EventBus:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: dict[str | None, set[asyncio.Queue]] = {}  # by artifact name; None: all
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, event: dict) -> None:
        event = {"time": time.time(), **event}
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._fan_out(event)
        else:
            loop.call_soon_threadsafe(self._fan_out, event)

    def _fan_out(self, event: dict) -> None:
        with self._lock:
            queues = [*self._queues.get(None, ())]
            if event.get("name") is not None:
                queues += self._queues.get(event["name"], ())
        for queue in queues:
            if queue.full():  # a slow reader loses its oldest events, never blocks others
                queue.get_nowait()
            queue.put_nowait(event)

    @contextmanager
    def subscribe(self, name: str | None = None):
        """A queue receiving every event published while the block runs, or only those of
        artifact `name` (a waiter is not woken by every other job's progress)."""
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        with self._lock:
            self._queues.setdefault(name, set()).add(queue)
        try:
            yield queue
        finally:
            with self._lock:
                subscribers = self._queues[name]
                subscribers.discard(queue)
                if not subscribers:
                    del self._queues[name]
