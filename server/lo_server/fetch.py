"""Fetching user-given URLs: http and https only, streamed, bounded in size and time."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from lo_server.errors import Invalid

CHUNK = 1024 * 1024
MAX_CODE_BYTES = 1024 * 1024
PROBE_TIMEOUT = 10.0


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


def probe(url: str, timeout: float = PROBE_TIMEOUT) -> None:
    """Check that the URL answers with a success status before a job is queued for it."""
    check_url(url)
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise Invalid(f"url answered HTTP {response.status_code}: {url}")
    except httpx.HTTPError as exc:
        raise Invalid(f"url unreachable: {url} ({type(exc).__name__}: {exc})") from exc


def download(url: str, dest: Path, max_bytes: int, timeout: float, progress=None) -> int:
    """Stream `url` into `dest`; refuse error statuses, bodies over max_bytes and slow transfers."""
    check_url(url)
    deadline = time.monotonic() + timeout
    written = 0
    with httpx.stream("GET", url, timeout=min(timeout, 60.0), follow_redirects=True) as response:
        response.raise_for_status()
        total = int(response.headers.get("content-length") or 0)
        if total > max_bytes:
            raise ValueError(f"the file is {total} bytes, over the {max_bytes}-byte limit")
        with open(dest, "wb") as out:
            for chunk in response.iter_bytes(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise ValueError(f"the download passed the {max_bytes}-byte limit")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the download took longer than {timeout:g} s")
                out.write(chunk)
                if progress and total:
                    progress(0.9 * written / total, f"downloaded {written} of {total} bytes")
    return written


def download_text(url: str) -> str:
    """Function code given as a URL (upstream feature)."""
    with httpx.stream("GET", url, timeout=30.0, follow_redirects=True) as response:
        response.raise_for_status()
        body = b""
        for chunk in response.iter_bytes(CHUNK):
            body += chunk
            if len(body) > MAX_CODE_BYTES:
                raise ValueError(f"function code over {MAX_CODE_BYTES} bytes at {url}")
    return body.decode("utf-8")
