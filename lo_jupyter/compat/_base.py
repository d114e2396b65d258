"""The plumbing under the upstream-compatible classes: requests, response treatment, waits.

Upstream's return convention is kept (201/200: the JSON body, or an indented JSON string
with `pretty_response`; other 4xx: `{}` plus a logged warning; 5xx: `None` plus a logged
error). Its defects are not: `query` is sent as JSON, every request has a timeout, `wait`
enforces its timeout and raises `JobFailed` for a failed job, and a token can be given as
an extra `token=` argument or LO_TOKEN.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx

from lo_jupyter.client import Orchestra
from lo_jupyter.errors import OrchestraError

log = logging.getLogger("lo_jupyter.compat")


def treat(response: httpx.Response, pretty_response: bool = False):
    """Upstream's ResponseTreat: the body, {} for a refusal, None for a server error."""
    if response.status_code >= 500:
        log.error(response.text)
        return None
    if response.status_code not in (200, 201):
        try:
            log.warning(response.json()["result"])
        except (ValueError, KeyError, TypeError):
            log.warning(response.text)
        return {}
    body = response.json()
    return json.dumps(body, indent=4, sort_keys=True) if pretty_response else body


class Observer:
    """Waits through the server's /observe route (upstream read MongoDB directly)."""

    def __init__(self, cluster_ip: str, token: str | None = None):
        self._client = Orchestra(cluster_ip, token)

    def wait(self, name: str, timeout: int | None = None) -> dict:
        """The finished artifact's metadata. Raises JobFailed if its job failed or was
        cancelled, WaitTimeout after `timeout` seconds, OrchestraError(404) if unknown."""
        return self._client.wait(name, timeout)

    def observe_pipe(self, name: str, timeout: int | None = None,
                     on_open=None) -> Iterator[dict]:
        """Change events of `name` ({"operationType": "update"|"delete", "fullDocument"}),
        until it is deleted or no event came for `timeout` seconds. `on_open()` (not in
        upstream) is called once the server listens for this observer."""
        document: dict = {"_id": 0, "name": name}
        for event in self._client.events(timeout, on_open):
            if event.get("name") != name:
                continue
            if event.get("deleted"):
                yield {"operationType": "delete", "documentKey": {"_id": 0}}
                return
            try:
                document = {"_id": 0, **self._client.artifact(name)}
            except OrchestraError:  # deleted meanwhile: what the event itself says
                fields = ("status", "finished", "progress", "error", "type")
                document = {**document, **{k: event[k] for k in fields if k in event}}
            yield {"operationType": "update", "documentKey": {"_id": 0},
                   "fullDocument": document}


class Entity:
    """One upstream entity URL (e.g. dataset/csv) with its observer."""

    def __init__(self, cluster_ip: str, api_path: str, token: str | None = None):
        self._client = Orchestra(cluster_ip, token)
        self._observer = Observer(cluster_ip, token)
        self._observer._client = self._client  # one connection pool per object
        self._path = api_path

    def _send(self, method: str, path: str = "", **kwargs) -> httpx.Response:
        try:
            return self._client.http.request(method, f"/{self._path}{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise OrchestraError(0, f"cannot reach {self._client.url}: {exc}", method,
                                 path) from None

    def _post(self, body: dict, pretty: bool, method: str = "POST") -> tuple[bool, object]:
        response = self._send(method, json=body)
        return response.status_code in (200, 201), treat(response, pretty)

    def _all(self, pretty: bool):
        return treat(self._send("GET"), pretty)

    def _content(self, name: str, query: dict | None, limit: int, skip: int, pretty: bool):
        params = {"query": json.dumps(query or {}), "limit": limit, "skip": skip}
        return treat(self._send("GET", f"/{name}", params=params), pretty)

    def _delete(self, name: str, pretty: bool):
        return treat(self._send("DELETE", f"/{name}"), pretty)

    def _wait(self, name: str, timeout: int | None = None) -> dict:
        return self._observer.wait(name, timeout)
