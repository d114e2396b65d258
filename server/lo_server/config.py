"""One Settings object: CLI flags > LO_* environment variables > defaults."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

# Variables that carry secrets: removed from the server's environment once read, so the
# worker processes it starts never inherit them. Each may instead name a file holding the
# value (`LO_TOKEN_FILE`, as Docker secrets mount them under /run/secrets).
SECRET_VARIABLES = ("LO_TOKEN", "LO_MONGO_URL")


def _default_data_dir() -> Path:
    return Path(os.path.expanduser("~/.local/share/lo-jupyter"))


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8765
    data_dir: Path = field(default_factory=_default_data_dir)
    token: str | None = None
    no_auth: bool = False
    mongo_url: str | None = None
    mongo_db: str = "lo_jupyter"
    dask_scheduler: str | None = None
    artifacts_url: str | None = None
    workers: int = 2
    worker_memory: str = "auto"
    job_timeout: float = 3600.0
    spark_master: str = "local[*]"
    spark_driver_memory: str = "1g"
    spark_shuffle_partitions: int = 4
    spark_ui: bool = False
    max_body_bytes: int = 16 * 1024 * 1024
    max_upload_bytes: int = 4 * 1024**3
    max_download_bytes: int = 4 * 1024**3
    download_timeout: float = 600.0
    max_output_chars: int = 1_000_000

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def server_file(self) -> Path:
        return self.data_dir / "server.json"

    def with_overrides(self, **overrides) -> Settings:
        """Apply CLI flags (None means 'not given')."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def check(self) -> None:
        """Refuse unsafe combinations before anything starts."""
        if self.no_auth and not is_loopback(self.host):
            raise ValueError(f"--no-auth is only allowed on a loopback host, not {self.host!r}")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.job_timeout <= 0:
            raise ValueError("job timeout must be positive")


def boolean(raw: str) -> bool:
    """An on/off variable: 1/true/yes/on or 0/false/no/off."""
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not on or off")


_ENV = {
    "data_dir": ("LO_DATA_DIR", Path),
    "token": ("LO_TOKEN", str),
    "mongo_url": ("LO_MONGO_URL", str),
    "mongo_db": ("LO_MONGO_DB", str),
    "dask_scheduler": ("LO_DASK_SCHEDULER", str),
    "artifacts_url": ("LO_ARTIFACTS_URL", str),
    "workers": ("LO_WORKERS", int),
    "worker_memory": ("LO_WORKER_MEMORY", str),
    "job_timeout": ("LO_JOB_TIMEOUT", float),
    "spark_master": ("LO_SPARK_MASTER", str),
    "spark_driver_memory": ("LO_SPARK_DRIVER_MEMORY", str),
    "spark_shuffle_partitions": ("LO_SPARK_SHUFFLE_PARTITIONS", int),
    "spark_ui": ("LO_SPARK_UI", boolean),
    "host": ("LO_HOST", str),
    "port": ("LO_PORT", int),
}


def from_env(environ: dict[str, str] | None = None) -> Settings:
    """Settings from LO_* variables over the defaults."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, (variable, convert) in _ENV.items():
        raw = environ.get(variable)
        if not raw and variable in SECRET_VARIABLES and environ.get(f"{variable}_FILE"):
            raw = _read_secret(environ[f"{variable}_FILE"], f"{variable}_FILE")
        if raw:
            try:
                values[name] = convert(raw)
            except ValueError as exc:
                raise ValueError(f"{variable}={raw!r} is not a valid {convert.__name__}") from exc
    return Settings(**values)


def _read_secret(path: str, variable: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ValueError(f"{variable}={path!r} cannot be read: {exc.strerror}") from exc


def scrub_secrets() -> None:
    """Drop secret variables from this process so child processes never see them."""
    for variable in SECRET_VARIABLES:
        os.environ.pop(variable, None)
        os.environ.pop(f"{variable}_FILE", None)


def resolve_token(settings: Settings) -> Settings:
    """Use the given token, else the one persisted in the data dir, else a new persisted one."""
    if settings.no_auth or settings.token:
        return settings
    path = settings.data_dir / "token"
    if path.exists():
        token = path.read_text().strip()
    else:
        token = secrets.token_urlsafe(32)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(token)
    return replace(settings, token=token)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def describe() -> list[tuple[str, str]]:
    """(variable, default) pairs, for the README and `lo-server --help`."""
    defaults = Settings()
    names = {f.name for f in fields(Settings)}
    return [(var, str(getattr(defaults, name))) for name, (var, _) in _ENV.items() if name in names]
