"""SSE parsing of the /observe/events stream (the format the server writes)."""

import asyncio

from lo_jupyter import sse

STREAM = [
    "retry: 2000", ": connected", "",
    "event: artifact", 'data: {"name": "a", "status": "running"}', "",
    ": keep-alive", "",
    "event: artifact", 'data: {"name": "a",', 'data:  "status": "finished"}', "",
    "event: other", 'data: {"name": "ignored"}', "",
    "event: artifact", "data: not json", "",
    "event: artifact", 'data: {"name": "b"}\r', "",
]


def test_parse_yields_artifact_events_only():
    events = list(sse.parse(STREAM))
    assert events == [{"name": "a", "status": "running"},
                      {"name": "a", "status": "finished"},
                      {"name": "b"}]


def test_event_without_blank_line_is_not_dispatched():
    assert list(sse.parse(["event: artifact", 'data: {"name": "a"}'])) == []


def test_async_parse_matches_sync_parse():
    async def lines():
        for line in STREAM:
            yield line

    async def collect():
        return [event async for event in sse.aparse(lines())]

    assert asyncio.run(collect()) == list(sse.parse(STREAM))
