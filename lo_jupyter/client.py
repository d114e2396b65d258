"""Orchestra: the one REST client of the notebook side (magics, widgets and compat use it).

One pooled httpx connection per client, a timeout on every request, and one exception per
kind of trouble: `OrchestraError` (the server said no, or could not be reached), `JobFailed`
(the job ran and failed; it carries the remote traceback) and `WaitTimeout`.

Waiting is a long-poll on /observe/{name}: the server answers the moment the job ends, so a
finished job costs one round trip and nothing polls in a loop. With `on_tick`, the long-poll
is cut into short slices so a caller can refresh a progress bar between them.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from lo_jupyter import connection, formats, sse
from lo_jupyter.errors import JobCancelled, JobFailed, OrchestraError, WaitTimeout
from lo_jupyter.services import Services

TERMINAL = ("finished", "failed", "cancelled")
LONG_POLL = 60.0  # seconds per /observe request when nobody needs ticks
HTTP_MARGIN = 15.0  # extra seconds the HTTP timeout allows beyond a long-poll's own


@dataclass
class Job:
    """A handle on a remote job's artifact: wait for it, cancel it, fetch its result."""

    client: Orchestra = field(repr=False)
    name: str
    type: str
    uri: str = ""
    ended: dict | None = field(default=None, repr=False)  # metadata, if it ended at once

    def wait(self, timeout: float | None = None, on_tick: Callable | None = None) -> dict:
        if self.ended is not None:
            return check_terminal(self.name, self.ended)
        return self.client.wait(self.name, timeout, on_tick=on_tick)

    def cancel(self) -> dict:
        return self.client.cancel(self.name)

    def metadata(self) -> dict:
        return self.client.artifact(self.name)

    @property
    def status(self) -> str:
        return self.metadata().get("status", "unknown")

    def result(self):
        """The job's output as a Python value (DataFrame, array, object or bytes)."""
        return self.client.download(self.name)

    def output(self) -> str:
        """What a Function job printed."""
        return self.client.output(self.name)


class Orchestra(Services):
    """REST client of an lo-server (or any Learning Orchestra v1 compatible server).

    `url` and `token` default to LO_URL / LO_TOKEN, then to the local server described by
    DATA_DIR/server.json. `timeout` bounds every ordinary request (waits have their own).
    """

    def __init__(self, url: str | None = None, token: str | None = None, *,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None):
        self.url, self.token = connection.resolve(url, token)
        self.api = self.url + connection.API_PREFIX
        self.timeout = timeout
        self.http = httpx.Client(base_url=self.api, headers=self._headers(), timeout=timeout,
                                 transport=transport)
        self._sent: dict[str, tuple[str, dict]] = {}  # name -> (kind, body) for re-runs

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def __repr__(self) -> str:
        return f"Orchestra({self.url!r})"

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Orchestra:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- HTTP ------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201),
                timeout: float | None = None, **kwargs) -> httpx.Response:
        """One API call; anything but an `ok` status raises OrchestraError with its message."""
        try:
            response = self.http.request(method, path, timeout=timeout or self.timeout, **kwargs)
        except httpx.TimeoutException:
            raise OrchestraError(0, f"no answer from {self.url} within "
                                    f"{timeout or self.timeout:g} s", method, path) from None
        except httpx.TransportError as exc:
            raise OrchestraError(0, f"cannot reach {self.url}: {exc}", method, path) from None
        if response.status_code not in ok:
            raise _error(response, method, path)
        return response

    def call(self, method: str, path: str, **kwargs):
        """The `result` of a JSON API call."""
        return self.request(method, path, **kwargs).json()["result"]

    # ---- reading ---------------------------------------------------------------------------
    def health(self) -> dict:
        return self.call("GET", "/health")

    def artifacts(self, type: str | None = None) -> list[dict]:
        """Every artifact (with status, progress, parents), optionally of one type."""
        docs = self.call("GET", "/artifacts")
        return [d for d in docs if type is None or d.get("type") == type]

    def artifact(self, name: str) -> dict:
        return self.call("GET", f"/artifacts/{name}")

    def exists(self, name: str) -> bool:
        try:
            self.artifact(name)
        except OrchestraError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def list(self, kind: str) -> list[dict]:
        """GET /{kind}: the metadata of every artifact of that type, e.g. "dataset/csv"."""
        return self.call("GET", f"/{kind}")

    def content(self, kind: str, name: str, skip: int = 0, limit: int = 20,
                query: dict | None = None) -> list[dict]:
        """Upstream's content page: the metadata (`_id` 0) first, then rows or runs."""
        params: dict = {"skip": skip, "limit": limit}
        if query:
            params["query"] = json.dumps(query)
        return self.call("GET", f"/{kind}/{name}", params=params)

    def page(self, name: str, skip: int = 0, limit: int = 100, query: dict | None = None,
             kind: str | None = None):
        """Rows `skip`..`skip+limit` (filtered by `query`) as a DataFrame indexed by `_id`."""
        import pandas as pd

        kind = kind or self.artifact(name)["type"]
        rows_only = {"_id": {"$gt": 0}}
        query = {"$and": [query, rows_only]} if query else rows_only
        rows = self.content(kind, name, skip, limit, query)
        frame = pd.DataFrame(rows)
        return frame.set_index("_id") if "_id" in frame else frame

    def executions(self, name: str, kind: str = "function/python") -> list[dict]:
        """Every run document of a Function (or model/executor) artifact, oldest first."""
        runs, skip = [], 0  # the query leaves the metadata out, so skip counts runs only
        while True:
            batch = self.content(kind, name, skip, 100, {"_id": {"$gt": 0}})
            runs.extend(batch)
            if len(batch) < 100:
                return runs
            skip += 100

    def output(self, name: str, job_id: str | None = None) -> str:
        """What a Function printed: in run `job_id`, else in its latest run."""
        query: dict = {"functionMessage": {"$exists": True}}
        if job_id:
            query["jobId"] = job_id
            runs = self.content("function/python", name, 0, 5, query)
        else:
            runs = self.executions(name)
        return (runs[-1].get("functionMessage") or "") if runs else ""

    def download(self, name: str, format: str | None = None):
        """The artifact's content as a Python value: a DataFrame for tables, an ndarray for
        arrays, the object for pickles and Keras models, bytes for files and images.

        `format="csv"` asks for a table as CSV text (returned as a DataFrame too);
        `format="zip"` a Builder artifact's fitted Spark model, as the bytes of a zip of its
        `spark-model/` directory (unzip it, then load it with the class named in the
        metadata's `sparkModel`, e.g. `LogisticRegressionModel.load("spark-model")`).
        """
        params = {"format": format} if format else None
        response = self.request("GET", f"/artifacts/{name}/download", params=params,
                                timeout=max(self.timeout, 300))
        fmt = format or response.headers.get("x-lo-format") or formats.guess_format(
            response.headers.get("content-type", ""), _filename(response))
        if fmt == "binary" and not format:  # headers said nothing useful: ask the metadata
            fmt = self.artifact(name).get("format") or "binary"
        return formats.decode(response.content, fmt)

    # ---- jobs ------------------------------------------------------------------------------
    def wait(self, name: str, timeout: float | None = None, *,
             on_tick: Callable[[dict, float], None] | None = None, tick: float = 0.5,
             output: bool = False) -> dict:
        """Block until `name` is finished (its metadata), failed (JobFailed), cancelled
        (JobCancelled) or `timeout` seconds passed (WaitTimeout; the job goes on).

        `on_tick(metadata, elapsed)` is called about every `tick` seconds while it runs.
        `output=True` adds what a Function job printed as metadata["output"].
        """
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        while True:
            chunk = LONG_POLL if on_tick is None else tick
            if deadline is not None:
                chunk = max(min(chunk, deadline - time.monotonic()), 0.0)
            response = self.request("GET", f"/observe/{name}", ok=(200, 408),
                                    params={"timeout": round(chunk, 3),
                                            **({"output": "true"} if output else {})},
                                    timeout=chunk + HTTP_MARGIN)
            if response.status_code == 200:
                return check_terminal(name, response.json()["result"])
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimeout(name, timeout, self._quiet_artifact(name))
            if on_tick is not None:
                on_tick(self._quiet_artifact(name), time.monotonic() - start)

    def _quiet_artifact(self, name: str) -> dict:
        try:
            return self.artifact(name)
        except OrchestraError:
            return {}

    def cancel(self, name: str) -> dict:
        """Cancel the artifact's queued or running job; its metadata afterwards."""
        return self.call("POST", f"/observe/{name}/cancel")

    def delete(self, name: str, kind: str | None = None) -> str:
        kind = kind or self.artifact(name)["type"]
        self._sent.pop(name, None)
        return self.call("DELETE", f"/{kind}/{name}")

    def events(self, timeout: float | None = None,
               on_open: Callable[[], None] | None = None) -> Iterator[dict]:
        """Every status/progress change, as dicts, from the server's event stream.

        Runs until the caller stops iterating, or about `timeout` seconds without events.
        `on_open()` is called once the server has subscribed the stream (as in `aevents`).
        """
        read = httpx.Timeout(self.timeout, read=timeout)
        try:
            with self.http.stream("GET", "/observe/events", timeout=read) as response:
                if response.status_code != 200:
                    response.read()
                    raise _error(response, "GET", "/observe/events")
                lines = response.iter_lines()
                first = next(lines, None)
                if on_open is not None:
                    on_open()
                if first is not None:
                    yield from sse.parse(itertools.chain([first], lines))
        except httpx.ReadTimeout:
            if timeout is None:
                raise
        except httpx.TransportError as exc:
            raise OrchestraError(0, f"event stream from {self.url} broke: {exc}") from None

    async def aevents(self, on_open: Callable[[], Awaitable] | None = None
                      ) -> AsyncIterator[dict]:
        """The event stream for asyncio code (widgets updating on the kernel's loop).

        `on_open()` is awaited once the server has subscribed this stream (its first line
        says so), before any event is read: a reader reloads its state there, so nothing
        changes unseen in between.
        """
        async with httpx.AsyncClient(base_url=self.api, headers=self._headers(),
                                     timeout=httpx.Timeout(self.timeout, read=None)) as http:
            async with http.stream("GET", "/observe/events") as response:
                if response.status_code != 200:
                    await response.aread()
                    raise _error(response, "GET", "/observe/events")
                async for event in sse.aparse(_opened(response.aiter_lines(), on_open)):
                    yield event

    # ---- writing ---------------------------------------------------------------------------
    def upload(self, name: str, data) -> Job:
        """Create dataset `name` from a pandas DataFrame or a .csv / .parquet file."""
        if hasattr(data, "to_parquet"):
            body, content_type = formats.dataframe_to_parquet(data), formats.PARQUET
        else:
            path = Path(data)
            if not path.is_file():
                raise FileNotFoundError(f"no file {str(path)!r} to upload")
            content_type = formats.PARQUET if path.suffix.lower() == ".parquet" else formats.CSV
            body = path.read_bytes()
        uri = self.call("PUT", f"/dataset/csv/{name}", content=body,
                        headers={"Content-Type": content_type}, timeout=max(self.timeout, 300))
        return Job(self, name, "dataset/csv", uri)

    def _create(self, kind: str, body: dict, name: str, method: str = "POST",
                path: str | None = None, wait: float | None = None) -> Job:
        """POST a create request; remember it so the artifact can be re-run later.

        `wait` (Function only) lets the server answer when the job ended, within that many
        seconds: a short job then costs one request instead of two (Job.ended)."""
        waiting = {} if wait is None else {"params": {"wait": round(wait, 3)},
                                           "timeout": wait + HTTP_MARGIN}
        answer = self.request(method, path or f"/{kind}", json=body, **waiting).json()
        self._sent[name] = (kind, body)
        uri, ended = answer["result"], answer.get("artifact")
        if ended is not None and ended.get("status") not in TERMINAL:
            ended = None
        return Job(self, name, kind, uri if isinstance(uri, str) else "", ended)


def check_terminal(name: str, metadata: dict) -> dict:
    """The metadata of a finished job; JobFailed / JobCancelled for the other endings."""
    status = metadata.get("status")
    if status == "cancelled":
        raise JobCancelled(name, metadata)
    if status == "failed" or (status is None and metadata.get("error")):
        raise JobFailed(name, metadata)
    return metadata


def _error(response: httpx.Response, method: str, path: str) -> OrchestraError:
    try:
        message = response.json()["result"]
    except (ValueError, KeyError, TypeError):
        response.read()
        message = response.text[:500] or response.reason_phrase
    return OrchestraError(response.status_code, str(message), method, path)


async def _opened(lines: AsyncIterator[str], on_open) -> AsyncIterator[str]:
    first = True
    async for line in lines:
        if first and on_open is not None:
            await on_open()
        first = False
        yield line


def _filename(response: httpx.Response) -> str:
    disposition = response.headers.get("content-disposition", "")
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename":
            return value.strip('"')
    return ""
