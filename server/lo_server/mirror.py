"""Shared artifact storage (`LO_ARTIFACTS_URL`): the local artifact directory as a cache of a
remote fsspec store, so that every worker on every node sees the same artifacts.

Without `LO_ARTIFACTS_URL` nothing here runs (`of()` returns None and fsspec is never
imported): artifacts are the files under `LO_DATA_DIR/artifacts`, as always. With it, tasks
and services keep reading and writing local files; a job pulls its inputs into its node's
cache before it runs and pushes its outputs after it succeeds, and the server pulls before
it serves content. Layout under the URL (names cannot clash: each kind has its own prefix):

    artifacts/NAME/manifest.json        {"version": V, "files": {path: bytes}}
    artifacts/NAME/V/PATH               the files of version V (subdirectories kept)
    uploads/ID                          a dataset upload, until the worker ingests it
    notebooks/NAME/vN.ipynb             shared-notebook versions

A push uploads a new version beside the old one and then rewrites the manifest, one PUT that
publishes it: a reader sees the old version or the whole new one, and a version whose upload
was interrupted is never referenced. S3 settings come from the usual AWS_* variables
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_SHARED_CREDENTIALS_FILE,
AWS_DEFAULT_REGION), which botocore reads itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

MANIFEST = "manifest.json"
LOCAL_MANIFEST = ".manifest.json"  # the version a cache directory holds
CACHE_VARIABLE = "LO_ARTIFACTS_CACHE"
PULL_ATTEMPTS = 4  # a version may be replaced (and deleted) while it is being downloaded

_mirrors: dict[str, Mirror] = {}
_mirrors_lock = threading.Lock()


def of(settings) -> Mirror | None:
    """The server's mirror, or None when artifacts are only local."""
    return for_url(getattr(settings, "artifacts_url", None))


def for_url(url: str | None) -> Mirror | None:
    """One Mirror per URL and process (its fsspec client keeps connections open)."""
    if not url:
        return None
    with _mirrors_lock:
        if url not in _mirrors:
            _mirrors[url] = Mirror(url)
        return _mirrors[url]


def cache_dir(url: str) -> Path:
    """Where a worker keeps its copies: `LO_ARTIFACTS_CACHE`, else a directory in the
    system's temporary folder named after the URL (shared by the workers of one node)."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen:
        return Path(chosen)
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"lo-artifacts-{digest}"


def sync(settings, name: str) -> None:
    """Bring artifact `name` into the server's local directory, if a remote store is set."""
    shared = of(settings)
    if shared is not None:
        shared.pull(settings.artifacts_dir, name)


class Mirror:
    def __init__(self, url: str):
        from fsspec.core import split_protocol, url_to_fs

        # a directory (e.g. a volume every node mounts) works too
        self.local = split_protocol(url)[0] in (None, "file", "local")
        # no listings cache: another node may have changed the store a moment ago
        options = {"auto_mkdir": True} if self.local else {"use_listings_cache": False}
        self.fs, base = url_to_fs(url, **options)
        self.url = url
        self.base = base.rstrip("/")

    def key(self, *parts: str) -> str:
        return "/".join((self.base, *parts))

    # ---- artifacts --------------------------------------------------------------------------
    def push(self, root: Path, name: str) -> dict:
        """Upload the finished files of `root/name` as a new version and publish it."""
        folder = Path(root) / name
        files = _finished_files(folder)
        version = uuid.uuid4().hex
        if files:
            self.fs.put([str(folder / rel) for rel in files],
                        [self.key("artifacts", name, version, rel) for rel in files])
        previous = self._manifest(name)
        manifest = {"version": version, "files": files}
        self._publish(self.key("artifacts", name, MANIFEST), _encode(manifest))
        if previous:  # readers still on it retry from the new manifest
            self._delete(self.key("artifacts", name, previous["version"]))
        _write_local_manifest(folder, manifest)
        return manifest

    def pull(self, root: Path, name: str) -> bool:
        """Make `root/name` hold the published version; True if anything was downloaded."""
        folder = Path(root) / name
        for _ in range(PULL_ATTEMPTS):
            manifest = self._manifest(name)
            local = _read_local_manifest(folder)
            if manifest is None:
                if local is not None:  # deleted in the store: the cached copy is stale
                    shutil.rmtree(folder, ignore_errors=True)
                return False
            if local is not None and local.get("version") == manifest["version"]:
                return False
            try:
                self._download(folder, name, manifest)
            except FileNotFoundError:  # replaced meanwhile: read the new manifest
                continue
            return True
        raise RuntimeError(f"artifact {name!r} kept changing in {self.url} while being read")

    def remove(self, name: str) -> None:
        self._delete(self.key("artifacts", name))

    def _publish(self, path: str, data: bytes) -> None:
        """One object PUT is atomic; a local file is written aside, then renamed."""
        if not self.local:
            self.fs.pipe_file(path, data)
            return
        partial = f"{path}.tmp-{uuid.uuid4().hex}"
        self.fs.pipe_file(partial, data)
        self.fs.mv(partial, path)

    def _manifest(self, name: str) -> dict | None:
        try:
            return json.loads(self.fs.cat_file(self.key("artifacts", name, MANIFEST)))
        except FileNotFoundError:
            return None

    def _download(self, folder: Path, name: str, manifest: dict) -> None:
        """Each file into a temporary file beside it, then renamed; files the version does
        not have go; the local manifest is written last."""
        files = manifest["files"]
        temporaries = {}
        try:
            for rel in files:
                dest = folder / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
                os.close(fd)
                temporaries[rel] = tmp
            if files:
                self.fs.get([self.key("artifacts", name, manifest["version"], rel)
                             for rel in files], list(temporaries.values()))
            for rel, tmp in temporaries.items():
                os.replace(tmp, folder / rel)
        finally:
            for tmp in temporaries.values():
                if os.path.exists(tmp):
                    os.unlink(tmp)
        for rel in _finished_files(folder):
            if rel not in files:
                (folder / rel).unlink(missing_ok=True)
        _write_local_manifest(folder, manifest)

    # ---- single files (uploads, shared notebooks) ------------------------------------------
    def put_file(self, path: Path, key: str) -> None:
        self.fs.put_file(str(path), self.key(key))

    def get_file(self, key: str, dest: Path) -> bool:
        """Download `key` to `dest` (atomically); False if the store has no such file."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
        os.close(fd)
        try:
            self.fs.get_file(self.key(key), tmp)
            os.replace(tmp, dest)
            return True
        except FileNotFoundError:
            return False
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def delete(self, key: str) -> None:
        self._delete(self.key(key))

    def _delete(self, path: str) -> None:
        try:
            self.fs.rm(path, recursive=True)
        except FileNotFoundError:
            pass


def _finished_files(folder: Path) -> dict[str, int]:
    """relative path -> size of every file but hidden ones (temporary files, downloads in
    progress, the local manifest, Spark's .crc checksums)."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            found[rel.as_posix()] = path.stat().st_size
    return found


def _encode(manifest: dict) -> bytes:
    return json.dumps(manifest, sort_keys=True).encode()


def _read_local_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / LOCAL_MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def _write_local_manifest(folder: Path, manifest: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(_encode(manifest))
    os.replace(tmp, folder / LOCAL_MANIFEST)
