"""The hatch jupyter-builder build function: build the labextension with jlpm, unless
LO_SKIP_JS=1 (Python-only installs and CI jobs that need no Node), or the build output is
already newer than the sources."""

from __future__ import annotations

import logging
import os

from hatch_jupyter_builder import npm_builder


def build(target_name: str, version: str, **kwargs) -> None:
    if os.environ.get("LO_SKIP_JS") == "1":
        logging.getLogger(__name__).warning("LO_SKIP_JS=1: the Orchestra sidebar is not built")
        return
    npm_builder(target_name, version, **kwargs)
