"""Where the orchestration server is and which token it takes, as the Jupyter server sees it.

Looked up on every request, so a restarted embedded server (new port, same data dir) is
found again without restarting Jupyter. First match wins: config traits
(`c.OrchestraConnection.url` / `.token`), then `LO_URL` / `LO_TOKEN`, then the embedded
server's `DATA_DIR/server.json` (`LO_DATA_DIR`, default `~/.local/share/lo-jupyter`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from traitlets import Float, Unicode
from traitlets.config import Configurable

API_PREFIX = "/api/learningOrchestra/v1"
DEFAULT_DATA_DIR = "~/.local/share/lo-jupyter"


class NotConfigured(Exception):
    """No orchestration server is known; the message says how to get one."""


@dataclass(frozen=True)
class Target:
    url: str  # the server's base URL, without the API prefix
    token: str
    source: str  # "config", "environment" or the server.json path

    @property
    def api(self) -> str:
        return self.url + API_PREFIX

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def base_url(url: str) -> str:
    """Accept the base URL with or without the API prefix or a trailing slash."""
    url = url.strip().rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    return url


class OrchestraConnection(Configurable):
    """How the lo-jupyter server extension reaches the orchestration server (lo-server)."""

    url = Unicode("", config=True,
                  help="Base URL of the orchestration server, e.g. http://127.0.0.1:8765 "
                       "(default: LO_URL, else the embedded server's server.json).")
    token = Unicode("", config=True,
                    help="The orchestration server's token (default: LO_TOKEN, else "
                         "server.json). Never sent to the browser.")
    data_dir = Unicode("", config=True,
                       help="Data dir of the embedded server whose server.json is read "
                            "(default: LO_DATA_DIR, else ~/.local/share/lo-jupyter).")
    request_timeout = Float(60.0, config=True,
                            help="Seconds a proxied request may take.")
    connect_timeout = Float(5.0, config=True,
                            help="Seconds to wait while connecting to the server.")

    def server_file(self) -> Path:
        directory = self.data_dir or os.environ.get("LO_DATA_DIR") or DEFAULT_DATA_DIR
        return Path(directory).expanduser() / "server.json"

    def resolve(self) -> Target:
        env_token = os.environ.get("LO_TOKEN", "")
        if self.url:
            return Target(base_url(self.url), self.token or env_token, "config")
        if os.environ.get("LO_URL"):
            return Target(base_url(os.environ["LO_URL"]), self.token or env_token,
                          "environment")
        path = self.server_file()
        try:
            info = json.loads(path.read_text())
        except FileNotFoundError:
            raise NotConfigured(
                f"no orchestration server: none is running for {path.parent} (no "
                f"{path.name}). Start one with `lo-server start` or `%lo_connect`, or set "
                "LO_URL and LO_TOKEN before starting Jupyter.") from None
        except (OSError, ValueError) as exc:
            raise NotConfigured(f"cannot read {path}: {exc}") from None
        if not isinstance(info, dict) or not isinstance(info.get("url"), str):
            raise NotConfigured(f"{path} does not name a server URL")
        return Target(base_url(info["url"]), self.token or str(info.get("token") or ""),
                      str(path))
