"""What every request handler needs, built once when the server starts."""

from __future__ import annotations

from dataclasses import dataclass

from lo_server.config import Settings
from lo_server.events import EventBus
from lo_server.jobs.engine import Engine
from lo_server.store.base import Store


@dataclass
class Context:
    settings: Settings
    store: Store
    engine: Engine
    bus: EventBus
