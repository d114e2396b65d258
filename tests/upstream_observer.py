"""The upstream client's Observer, swapped for one that waits on GET /observe/{name}.

Upstream's Observer talks to MongoDB change streams directly, which our design replaces with
the observe route; every other call of the upstream client runs unchanged.
"""

from contextlib import contextmanager

import pytest
import requests


class RestObserver:
    """The upstream Observer's `wait`, over GET /observe/{name}."""

    def __init__(self, cluster_ip: str):
        self.url = f"{cluster_ip}/api/learningOrchestra/v1/observe"

    def wait(self, name: str, timeout: int = None) -> dict:
        response = requests.get(f"{self.url}/{name}", params={"timeout": timeout or 240},
                                timeout=(timeout or 240) + 10)
        response.raise_for_status()
        return response.json()["result"]


@contextmanager
def observed_over_rest(*modules: str):
    """Within the block, these learning_orchestra_client modules use RestObserver."""
    with pytest.MonkeyPatch.context() as patch:
        for module in modules:
            patch.setattr(f"learning_orchestra_client.{module}.Observer", RestObserver)
        yield
