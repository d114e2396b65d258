"""The /lo-jupyter/api/* routes: an authenticated proxy from the browser to the orchestration
server. The orchestration token stays here; the browser only holds Jupyter's credentials.

- GET  status          connection state: {connected, url, version} or {connected: false, reason}
- GET  events          the server's Server-Sent Events, relayed, with our own `status` events
- POST rerun/{name}    PATCH the artifact's route with the request the server recorded for it
- *    v1/{route}      any API route, e.g. v1/artifacts, v1/observe/{name}/cancel
"""

from __future__ import annotations

import asyncio
import json

import httpx
import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.iostream import StreamClosedError

from lo_jupyter.serverext.connection import NotConfigured, OrchestraConnection, Target

NAMESPACE = "lo-jupyter/api"
HEALTH_TIMEOUT = 5.0
EVENTS_READ_TIMEOUT = 45.0  # the server sends a keep-alive every 15 s
EVENTS_RETRY_MS = 3000  # how soon the browser's EventSource reconnects after a failure
# a name no artifact can take (reserved by the server): a cheap authenticated request
AUTH_PROBE = "artifacts/events"
EVENT_STREAM = "text/event-stream; charset=utf-8"


def describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "..."


def message_of(response: httpx.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("result"), str):
            return body["result"]
    except ValueError:
        pass
    return (response.text or "").strip()[:300] or f"HTTP {response.status_code}"


class OrchestraHandler(APIHandler):
    """What every route shares: the connection, timeouts and JSON errors."""

    @property
    def connection(self) -> OrchestraConnection:
        return self.settings["lo_jupyter_connection"]

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.connection.request_timeout,
                             connect=self.connection.connect_timeout)

    def fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"result": message}))

    def relay(self, response: httpx.Response) -> None:
        """Answer with the server's status, body and content type (a 401 is ours to explain:
        the browser's credentials were fine, the configured token was not)."""
        if response.status_code == 401:
            return self.fail(502, "the orchestration server refused the configured token: "
                                  + message_of(response))
        self.set_status(response.status_code)
        if "Content-Disposition" in response.headers:
            self.set_header("Content-Disposition", response.headers["Content-Disposition"])
        # APIHandler.finish would call every body JSON: keep the server's type (PNG, Parquet...)
        self.finish(response.content, set_content_type=response.headers.get(
            "Content-Type", "application/octet-stream"))

    async def call(self, target: Target, method: str, path: str, **kwargs) -> httpx.Response:
        """One request to the server; raises tornado.web.Finish after answering on failure."""
        headers = {**target.headers, **kwargs.pop("headers", {})}
        try:
            async with httpx.AsyncClient(timeout=self.timeout()) as client:
                return await client.request(method, target.api + path, headers=headers,
                                            **kwargs)
        except httpx.TimeoutException:
            self.fail(504, f"the orchestration server at {target.url} did not answer within "
                           f"{self.connection.request_timeout:g} s")
        except httpx.HTTPError as exc:
            self.fail(502, f"cannot reach the orchestration server at {target.url}: "
                           f"{describe(exc)}. Is it running? (`lo-server status`)")
        raise tornado.web.Finish()

    def target(self) -> Target:
        try:
            return self.connection.resolve()
        except NotConfigured as exc:
            self.fail(503, str(exc))
            raise tornado.web.Finish() from None


async def connection_status(connection: OrchestraConnection) -> dict:
    """Whether the server answers and takes our token; otherwise a reason a person can act on."""
    try:
        target = connection.resolve()
    except NotConfigured as exc:
        return {"connected": False, "url": None, "reason": str(exc)}
    state = {"connected": False, "url": target.url, "source": target.source}
    try:
        async with httpx.AsyncClient(timeout=HEALTH_TIMEOUT) as client:
            health = await client.get(target.api + "/health")
            if health.status_code != 200:
                return {**state, "reason": f"{target.url} answered /health with HTTP "
                                           f"{health.status_code}: is it lo-server?"}
            probe = await client.get(f"{target.api}/{AUTH_PROBE}", headers=target.headers)
    except httpx.HTTPError as exc:
        return {**state, "reason": f"the orchestration server at {target.url} is not reachable "
                                   f"({describe(exc)}). Start it with `lo-server start` or "
                                   "`%lo_connect`."}
    if probe.status_code == 401:
        return {**state, "reason": "the orchestration server refused the token: "
                                   f"{message_of(probe)}. Set LO_TOKEN or "
                                   "c.OrchestraConnection.token."}
    try:
        version = health.json()["result"]["version"]
    except (ValueError, KeyError, TypeError):
        version = None
    return {**state, "connected": True, "version": version}


class StatusHandler(OrchestraHandler):
    @tornado.web.authenticated
    async def get(self):
        self.finish(await connection_status(self.connection))


class ApiProxyHandler(OrchestraHandler):
    """v1/{route} -> {server}/api/learningOrchestra/v1/{route}, query and body included."""

    @tornado.web.authenticated
    async def get(self, route: str):
        await self.forward("GET", route)

    @tornado.web.authenticated
    async def post(self, route: str):
        await self.forward("POST", route)

    @tornado.web.authenticated
    async def put(self, route: str):
        await self.forward("PUT", route)

    @tornado.web.authenticated
    async def patch(self, route: str):
        await self.forward("PATCH", route)

    @tornado.web.authenticated
    async def delete(self, route: str):
        await self.forward("DELETE", route)

    async def forward(self, method: str, route: str) -> None:
        if ".." in route.split("/") or route.startswith("/"):
            return self.fail(400, f"invalid route {route[:200]!r}")
        target = self.target()
        path = "/" + route + (f"?{self.request.query}" if self.request.query else "")
        headers = {}
        if self.request.headers.get("Content-Type"):
            headers["Content-Type"] = self.request.headers["Content-Type"]
        body = self.request.body if method in ("POST", "PUT", "PATCH") else None
        self.relay(await self.call(target, method, path, content=body, headers=headers))


class RerunHandler(OrchestraHandler):
    """Run an artifact again: PATCH its route with the request recorded in its metadata."""

    @tornado.web.authenticated
    async def post(self, name: str):
        target = self.target()
        found = await self.call(target, "GET", f"/artifacts/{name}")
        if found.status_code != 200:
            return self.relay(found)
        doc = found.json().get("result") or {}
        request = doc.get("request")
        kind = doc.get("type", "")
        if not isinstance(request, dict):
            return self.fail(409, f"cannot re-run {name!r}: the server did not record the "
                                  f"request that made this {kind or 'artifact'}")
        self.relay(await self.call(target, "PATCH", f"/{kind}/{name}", json=request))


class EventsHandler(OrchestraHandler):
    """The server's SSE stream relayed as it comes, preceded by a `status` event. When the
    server is missing or goes away, a `status` event says why and the stream ends with a
    `retry` hint, so the browser's EventSource reconnects by itself."""

    _pump: asyncio.Future | None = None

    @tornado.web.authenticated
    async def get(self):
        self.set_header("Content-Type", EVENT_STREAM)
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        self._pump = asyncio.ensure_future(self._relay())
        try:
            await self._pump
        except (asyncio.CancelledError, StreamClosedError):
            return  # the browser went away: the upstream stream is closed with the task

    def finish(self, *args, **kwargs):
        kwargs.setdefault("set_content_type", EVENT_STREAM)  # not APIHandler's JSON
        return super().finish(*args, **kwargs)

    def on_connection_close(self):
        if self._pump is not None:
            self._pump.cancel()

    async def _relay(self) -> None:
        try:
            target = self.connection.resolve()
        except NotConfigured as exc:
            return await self._status(False, None, str(exc))
        timeout = httpx.Timeout(self.connection.request_timeout,
                                connect=self.connection.connect_timeout,
                                read=EVENTS_READ_TIMEOUT)
        try:
            async with httpx.AsyncClient(timeout=timeout) as client, \
                    client.stream("GET", target.api + "/observe/events",
                                  headers=target.headers) as response:
                if response.status_code != 200:
                    await response.aread()
                    return await self._status(
                        False, target.url, "the orchestration server refused the event "
                        f"stream (HTTP {response.status_code}): {message_of(response)}")
                await self._status(True, target.url, None)
                async for chunk in response.aiter_bytes():
                    self.write(chunk)
                    await self.flush()
            reason = "the orchestration server closed the event stream"
        except httpx.HTTPError as exc:
            reason = f"lost the orchestration server at {target.url}: {describe(exc)}"
        await self._status(False, target.url, reason)

    async def _status(self, connected: bool, url: str | None, reason: str | None) -> None:
        payload = {"connected": connected, "url": url}
        if reason:
            payload["reason"] = reason
        self.write(f"retry: {EVENTS_RETRY_MS}\nevent: status\ndata: {json.dumps(payload)}\n\n")
        await self.flush()


def default_handlers(base_url: str) -> list[tuple[str, type]]:
    def route(path: str) -> str:
        return url_path_join(base_url, NAMESPACE, path)

    return [
        (route("status"), StatusHandler),
        (route("events"), EventsHandler),
        (route(r"rerun/([^/]+)"), RerunHandler),
        (route(r"v1/(.*)"), ApiProxyHandler),
    ]
