"""Server-Sent Events parsing for /observe/events, shared by the sync and async readers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator


class _Parser:
    """Collects `data:` lines until a blank line ends the event (comments are ignored)."""

    def __init__(self) -> None:
        self.data: list[str] = []
        self.event = "message"

    def feed(self, line: str) -> dict | None:
        line = line.rstrip("\r")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            self.data.append(value)
        elif field == "event":
            self.event = value
        return None

    def _dispatch(self) -> dict | None:
        data, event = self.data, self.event
        self.data, self.event = [], "message"
        if not data or event != "artifact":
            return None
        try:
            parsed = json.loads("\n".join(data))
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None


def parse(lines: Iterable[str]) -> Iterator[dict]:
    """Artifact events (dicts) from an iterable of SSE lines."""
    parser = _Parser()
    for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event


async def aparse(lines: AsyncIterator[str]) -> AsyncIterator[dict]:
    """Artifact events (dicts) from an async iterable of SSE lines."""
    parser = _Parser()
    async for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event
