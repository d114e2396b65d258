"""Helpers for the ML service tests: small datasets, posting steps, reading PNGs."""

from __future__ import annotations

import struct
import uuid

import httpx

from tests.server_process import wait_terminal

PREFIX = "/api/learningOrchestra/v1"


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def upload_csv(api: httpx.Client, text: str, prefix: str = "ds") -> str:
    """A finished dataset/csv holding `text` (every value a string, as ingested)."""
    name = unique(prefix)
    response = api.put(f"/dataset/csv/{name}", content=text.encode(),
                       headers={"Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    assert wait_terminal(api, name)["status"] == "finished"
    return name


def iris_csv(rows: int | None = None) -> str:
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    frame.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width", "target"]
    frame = frame.sample(frac=1, random_state=0).head(rows) if rows else frame
    return frame.to_csv(index=False)


def post(api: httpx.Client, path: str, body: dict, status: int = 201) -> httpx.Response:
    response = api.post(path, json=body)
    assert response.status_code == status, response.text
    return response


def run_step(api: httpx.Client, path: str, body: dict, name_field: str = "name",
             timeout: float = 120) -> dict:
    """POST a step, check its URI, wait for it; return its final metadata."""
    name = body[name_field]
    result = post(api, path, body).json()["result"]
    assert result.startswith(f"{PREFIX}{path}/{name}"), result
    return wait_terminal(api, name, timeout)


def run_function(api: httpx.Client, code: str, params: dict | None = None,
                 prefix: str = "fn") -> str:
    name = unique(prefix)
    post(api, "/function/python", {"name": name, "function": code,
                                   "functionParameters": params or {}})
    doc = wait_terminal(api, name, 120)
    assert doc["status"] == "finished", doc.get("error")
    return name


def executions(api: httpx.Client, kind: str, name: str) -> list[dict]:
    return api.get(f"/{kind}/{name}", params={"skip": 1}).json()["result"]


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["result"]


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])
