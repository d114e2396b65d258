"""Fetching user-given URLs: http and https only, streamed, bounded in size and time.

Bodies are read with the standard library's HTTP client: it reads a large buffer per
call, where httpx hands over 64 KiB pieces through several Python layers (about 3x the
CPU per byte, measured on loopback), and its TLS context is made once per process.
"""

from __future__ import annotations

import io
import ssl
import time
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lo_server.errors import Invalid

CHUNK = 1024 * 1024
MAX_CODE_BYTES = 1024 * 1024
PROBE_TIMEOUT = 10.0
READ_TIMEOUT = 60.0  # longest wait for one piece of a body


def check_url(url: str) -> str:
    """The URL if it is an absolute http(s) URL with a host; else 406 naming the problem."""
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        raise Invalid("invalid url: expected an http or https URL without spaces")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Invalid(f"invalid url: scheme {parts.scheme or '(none)'!r} is not http or https")
    if not parts.hostname:
        raise Invalid("invalid url: no host")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise Invalid(f"invalid url: {exc}") from exc
    return url


def looks_like_url(text: str) -> bool:
    return isinstance(text, str) and text.strip().startswith(("http://", "https://")) and \
        len(text.strip().split()) == 1


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only (urllib alone would also follow ftp://), and
    name the problem with any other."""

    def http_error_302(self, req, fp, code, msg, headers):
        target = headers.get("location") or headers.get("uri")
        if target:
            check_url(urljoin(req.full_url, target))
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


@cache
def _opener() -> urllib.request.OpenerDirector:
    """One opener per process: proxies from the environment like any client, certificates
    checked against certifi's bundle (as httpx, used before, did)."""
    try:
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        context = ssl.create_default_context()
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                       _Redirects())


def _open(url: str, timeout: float):
    """The response to GET `url` once its headers arrived; HTTPError for error statuses."""
    check_url(url)
    request = urllib.request.Request(url, headers={"User-Agent": "lo-server"})
    return _opener().open(request, timeout=timeout)


def probe(url: str, timeout: float = PROBE_TIMEOUT) -> None:
    """Check that the URL answers with a success status before a job is queued for it."""
    check_url(url)
    try:
        _open(url, timeout).close()
    except urllib.error.HTTPError as exc:
        exc.close()
        raise Invalid(f"url answered HTTP {exc.code}: {url}") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Invalid(f"url unreachable: {url} ({type(reason).__name__}: {reason})") from exc


class Body(io.RawIOBase):
    """The body of GET `url` as a readable binary file, so that a parser can consume it
    while it downloads. Refuses error statuses, bodies over `max_bytes` and transfers
    that spend over `timeout` seconds waiting for the network (time the reader spends
    elsewhere, parsing, does not count). Every byte read is also written to `copy`, so
    that a file that cannot be parsed can be explained from the whole of it (`drain`).
    """

    def __init__(self, url: str, copy: Path, max_bytes: int, timeout: float,
                 progress=None):
        super().__init__()
        self.copy = Path(copy)
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.progress = progress
        self.size = 0
        self.waited = 0.0
        self._error: BaseException | None = None
        start = time.monotonic()
        try:
            self._response = _open(url, min(timeout, READ_TIMEOUT))
        except urllib.error.HTTPError as exc:
            exc.close()
            raise ValueError(f"the server answered HTTP {exc.code} ({exc.reason}) "
                             f"for {url}") from None
        self.waited = time.monotonic() - start
        self.total = int(self._response.headers.get("content-length") or 0)
        if self.total > max_bytes:
            self._response.close()
            raise ValueError(f"the file is {self.total} bytes, over the {max_bytes}-byte "
                             "limit")
        self._out = open(self.copy, "wb")  # noqa: SIM115 - closed in close()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """`size` bytes (fewer only at the end of the body); -1 for all the rest."""
        if self._error is not None:
            raise self._error
        want = self.max_bytes + 1 - self.size if size is None or size < 0 else size
        parts, got = [], 0
        try:
            while got < want:
                start = time.monotonic()
                part = self._response.read(min(want - got, CHUNK))
                self.waited += time.monotonic() - start
                if not part:
                    break
                self.size += len(part)
                got += len(part)
                if self.size > self.max_bytes:
                    raise ValueError(f"the download passed the {self.max_bytes}-byte limit")
                if self.waited > self.timeout:
                    raise TimeoutError(f"the download took longer than {self.timeout:g} s")
                self._out.write(part)
                parts.append(part)
        except BaseException as exc:
            self._error = exc  # a reader that carries on gets the same error
            raise
        if self.progress and self.total:
            self.progress(0.9 * self.size / self.total,
                          f"downloaded {self.size} of {self.total} bytes")
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def drain(self) -> int:
        """Read the rest of the body (into `copy`); the body's size."""
        while self.read(CHUNK):
            pass
        self._out.flush()
        return self.size

    def close(self) -> None:
        for part in (getattr(self, "_response", None), getattr(self, "_out", None)):
            if part is not None:
                part.close()
        super().close()


def download(url: str, dest: Path, max_bytes: int, timeout: float, progress=None) -> int:
    """Stream `url` into `dest`; refuse error statuses, bodies over max_bytes and slow transfers."""
    with Body(url, dest, max_bytes, timeout, progress) as body:
        return body.drain()


def download_text(url: str) -> str:
    """Function code given as a URL (upstream feature)."""
    with _open(url, 30.0) as response:
        body = response.read(MAX_CODE_BYTES + 1)
    if len(body) > MAX_CODE_BYTES:
        raise ValueError(f"function code over {MAX_CODE_BYTES} bytes at {url}")
    return body.decode("utf-8")
