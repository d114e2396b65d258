"""`lo-server start|stop|status`: the server in the foreground, and control of a running one."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx
import uvicorn

from lo_server import __version__, config

STOP_WAIT = 30.0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"lo-server: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    env_help = "\n".join(f"  {var:<20} default {default}" for var, default in config.describe())
    parser = argparse.ArgumentParser(
        prog="lo-server", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="The lo-jupyter orchestration server (Learning Orchestra v1 API).",
        epilog=f"Environment (flags win over it):\n{env_help}")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(required=True, metavar="{start,stop,status}")

    start = commands.add_parser("start", help="run the server in the foreground")
    start.add_argument("--host", help="address to bind (default 127.0.0.1)")
    start.add_argument("--port", type=int, help="port (default 8765; 0 picks a free one)")
    start.add_argument("--data-dir", type=Path, help="where metadata and artifacts live")
    auth = start.add_mutually_exclusive_group()
    auth.add_argument("--token", help="the API token (default: generated and kept in the "
                                      "data dir)")
    auth.add_argument("--no-auth", action="store_true", default=None,
                      help="no token (loopback hosts only)")
    start.add_argument("--workers", type=int, help="embedded Dask worker processes (default 2)")
    start.set_defaults(func=start_command)

    for name, func, text in (("status", status_command, "show whether a server is running"),
                             ("stop", stop_command, "stop the running server and its workers")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--data-dir", type=Path)
        sub.set_defaults(func=func)
    return parser


def _settings(args) -> config.Settings:
    return config.from_env().with_overrides(
        host=getattr(args, "host", None), port=getattr(args, "port", None),
        data_dir=args.data_dir, token=getattr(args, "token", None),
        no_auth=getattr(args, "no_auth", None), workers=getattr(args, "workers", None))


def start_command(args) -> int:
    settings = _settings(args)
    settings.check()
    running = _read_server_file(settings)
    if running and _alive(running.get("pid")):
        print(f"lo-server: already running at {running['url']} (pid {running['pid']})",
              file=sys.stderr)
        return 1
    if running:
        _kill_all(running.get("workers", []), signal.SIGKILL)  # leftovers of a killed server
    settings = config.resolve_token(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    from lo_server.app import create_app

    app = create_app(settings)
    server = ReadyServer(uvicorn.Config(app, host=settings.host, port=settings.port,
                                         log_level="warning", lifespan="on",
                                         timeout_graceful_shutdown=5), settings)
    try:
        server.run()
    finally:
        settings.server_file.unlink(missing_ok=True)
    return 0 if server.started else 1


class ReadyServer(uvicorn.Server):
    """uvicorn.Server that announces itself once its socket listens."""

    def __init__(self, uv_config: uvicorn.Config, settings: config.Settings):
        super().__init__(uv_config)
        self.settings = settings

    async def startup(self, sockets=None):
        await super().startup(sockets)
        if self.started:
            port = self.servers[0].sockets[0].getsockname()[1]
            await _announce(self.config.app, replace(self.settings, port=port))


async def _announce(app, settings: config.Settings) -> None:
    import anyio

    engine = app.state.ctx.engine
    workers = await anyio.to_thread.run_sync(engine.worker_pids)
    info = {"url": settings.url, "token": settings.token or "", "pid": os.getpid(),
            "workers": workers, "daskScheduler": settings.dask_scheduler,
            "dataDir": str(settings.data_dir), "version": __version__}
    path = settings.server_file
    path.touch(mode=0o600)
    path.write_text(json.dumps(info))
    print(f"lo-server ready at {settings.url} token={settings.token or ''}", flush=True)


def status_command(args) -> int:
    settings = _settings(args)
    info = _read_server_file(settings)
    if not info or not _alive(info.get("pid")):
        print(f"lo-server is not running (data dir {settings.data_dir})")
        return 1
    try:
        health = httpx.get(f"{info['url']}/api/learningOrchestra/v1/health", timeout=5).json()
        state = f"healthy, version {health['result']['version']}"
    except (httpx.HTTPError, ValueError, KeyError):
        state = "not answering"
    workers = (f"jobs on the Dask cluster at {info['daskScheduler']}"
               if info.get("daskScheduler") else f"{len(info.get('workers', []))} workers")
    print(f"lo-server running at {info['url']} (pid {info['pid']}, {workers}): {state}")
    return 0


def stop_command(args) -> int:
    settings = _settings(args)
    info = _read_server_file(settings)
    if not info or not _alive(info.get("pid")):
        print("lo-server is not running")
        if info:
            _kill_all(info.get("workers", []), signal.SIGKILL)
            settings.server_file.unlink(missing_ok=True)
        return 0
    os.kill(info["pid"], signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT
    while _alive(info["pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(info["pid"]):
        os.kill(info["pid"], signal.SIGKILL)
    _kill_all(info.get("workers", []), signal.SIGKILL)
    settings.server_file.unlink(missing_ok=True)
    print(f"lo-server stopped (pid {info['pid']})")
    return 0


def _read_server_file(settings: config.Settings) -> dict | None:
    try:
        return json.loads(settings.server_file.read_text())
    except (OSError, ValueError):
        return None


def _alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return False


def _kill_all(pids, sig) -> None:
    """Kill leftover worker processes, only if they still look like Python workers."""
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"python" in cmdline or b"multiprocessing" in cmdline:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


if __name__ == "__main__":
    sys.exit(main())
