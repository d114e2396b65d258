"""Magics for shared notebooks: publish, list, open a copy, run now or on a schedule.

They reuse the connection and the progress display of LoMagics (`%lo_connect`), so a notebook
published by one user can be listed, opened and run by another on the same server.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from lo_jupyter.magics import _friendly


def parse_parameters(items: list[str]) -> dict:
    """`-p k=v` pairs: v is a Python literal when it parses as one, else the text itself."""
    parameters = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise UsageError(f"-p needs NAME=VALUE with a Python identifier NAME, not {item!r}")
        try:
            parameters[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            parameters[key] = text
    return parameters


def notebooks_table(records: list[dict]):
    """%lo_notebooks: one row per shared notebook, newest version first in mind."""
    import pandas as pd

    rows = []
    for record in records:
        versions = record.get("versions") or [{}]
        latest = versions[-1]
        published = latest.get("publishedAt")
        rows.append({
            "name": record.get("name"),
            "versions": len(record.get("versions") or []),
            "latest": record.get("latest"),
            "cells": latest.get("cells"),
            "published": (dt.datetime.fromtimestamp(published).isoformat(" ", "seconds")
                          if published else None),
            "runs": record.get("runs", 0),
        })
    return pd.DataFrame(rows, columns=["name", "versions", "latest", "cells", "published",
                                       "runs"])


@magics_class
class NotebookMagics(Magics):
    """Shared notebooks on the connected server (`%lo_connect` first, or LO_URL)."""

    def _lo(self):
        magics = getattr(self.shell, "_lo_magics", None)
        if magics is None:
            raise UsageError("load the extension first: %load_ext lo_jupyter")
        return magics

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("path", help="the .ipynb file to publish")
    @argument("--name", help="the shared name (default: the file name without .ipynb)")
    @_friendly
    def lo_share(self, line):
        """Publish an .ipynb file as a shared notebook (each publish adds a version).

        %lo_share analysis.ipynb
        %lo_share drafts/v2.ipynb --name analysis
        """
        args = parse_argstring(self.lo_share, line)
        path = Path(os.path.expanduser(args.path))
        if not path.is_file():
            raise UsageError(f"no notebook file {str(path)!r}")
        name = args.name or path.name.removesuffix(".ipynb")
        result = self._lo().orchestra().share_notebook(name, path.read_bytes())
        print(f"shared {result['name']} version {result['version']} "
              f"(%lo_open {result['name']} opens a copy; %lo_run {result['name']} runs it)")

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("--schedules", action="store_true", help="list the run schedules instead")
    @_friendly
    def lo_notebooks(self, line):
        """A table of the shared notebooks: versions, cells, when published, runs."""
        args = parse_argstring(self.lo_notebooks, line)
        client = self._lo().orchestra()
        if args.schedules:
            import pandas as pd

            columns = ["id", "notebook", "version", "at", "cron", "next", "runs", "error"]
            return pd.DataFrame([{c: s.get(c) for c in columns} for s in client.schedules()],
                                columns=columns)
        return notebooks_table(client.notebooks())

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("name", help="the shared notebook")
    @argument("--version", type=int, help="a published version (default: the latest)")
    @argument("--dir", default=".", help="where to write NAME.ipynb (default: the current "
                                         "directory, the notebook's own in a kernel)")
    @argument("--force", action="store_true", help="overwrite an existing file")
    @_friendly
    def lo_open(self, line):
        """Download a copy of a shared notebook as NAME.ipynb next to this notebook.

        %lo_open analysis
        %lo_open analysis --version 2 --force
        """
        import nbformat

        args = parse_argstring(self.lo_open, line)
        dest = Path(os.path.expanduser(args.dir)) / f"{args.name}.ipynb"
        if dest.exists() and not args.force:
            raise UsageError(f"{dest} already exists: --force overwrites it")
        content = self._lo().orchestra().notebook(args.name, args.version)
        nbformat.write(nbformat.from_dict(content), str(dest))
        print(f"wrote {dest}" + (f" (version {args.version})" if args.version else ""))
        return None

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("name", help="the shared notebook")
    @argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
              help="a parameter (a Python literal, else text), injected papermill-style")
    @argument("--version", type=int, help="a published version (default: the latest)")
    @argument("--out", help="the run artifact's name (default: NAME_runN)")
    @argument("--at", help="run once at this ISO 8601 time (UTC unless it has a zone)")
    @argument("--cron", help="run repeatedly on this cron schedule (UTC), e.g. '0 6 * * *'")
    @argument("--timeout", type=float, help="the run's time limit in seconds")
    @argument("--async", dest="run_async", action="store_true",
              help="return the Job handle at once instead of waiting")
    @_friendly
    def lo_run(self, line):
        """Run a shared notebook on the server (in a worker), now or on a schedule.

        %lo_run analysis -p year=2024 -p region=north
        %lo_run analysis --at 2026-01-01T06:00:00Z
        %lo_run analysis --cron "0 6 * * *"
        The executed notebook is the run's artifact: %lo_get RUN gives its .ipynb bytes.
        """
        args = parse_argstring(self.lo_run, line)
        if args.at and args.cron:
            raise UsageError("give --at or --cron, not both")
        lo = self._lo()
        parameters = parse_parameters(args.param)
        cron = args.cron.strip("\"'") if args.cron else None
        result = lo.orchestra().run_notebook(args.name, parameters, args.version, args.out,
                                             args.at, cron, args.timeout)
        if args.at or cron:
            when = dt.datetime.fromtimestamp(result["next"], dt.UTC).isoformat(" ", "seconds")
            print(f"scheduled {args.name} (schedule {result['id']}); next run at {when}; "
                  "%lo_notebooks --schedules lists schedules")
            return result
        if args.run_async:
            print(f"{result.name}: submitted; %lo_wait {result.name} waits for it")
            return result
        doc = lo.wait(result.name)
        print(f"{result.name}: {doc.get('status')}; the executed notebook: "
              f"%lo_get {result.name}")
        return None
