"""IPython magics: `%load_ext lo_jupyter`, then `%lo_connect` and `%lo_help`.

The magics are thin: they parse arguments, call the `Orchestra` client (injectable, for
tests) and show results. Arguments are never `$`-expanded by IPython, because `$name` names
a server artifact, and a kernel variable of the same name is the common case.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Float, Int, Unicode
from traitlets.config import Configurable

from lo_jupyter import cells, connection, display, workflows
from lo_jupyter.client import Orchestra
from lo_jupyter.errors import JobFailed, OrchestraError, WaitTimeout
from lo_jupyter.services import CLASSIFIERS

FIRST_WAIT = 1.0  # seconds the server may hold a %%lo_function submit for the job to end


def _friendly(method):
    """Server refusals and bad arguments become UsageError: one clear line, no traceback.
    Failed jobs keep their own exception (it renders the remote traceback)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (OrchestraError, ValueError, LookupError, FileNotFoundError) as exc:
            raise UsageError(str(exc)) from None

    return wrapper


@magics_class
class LoMagics(Magics, Configurable):
    """Learning Orchestra from the notebook. `%lo_help` lists the magics."""

    base_url = Unicode(None, allow_none=True, config=True,
                       help="Server URL (default: LO_URL, else the local server)")
    token = Unicode(None, allow_none=True, config=True, help="API token (default: LO_TOKEN)")
    wait_timeout = Float(None, allow_none=True, config=True,
                         help="Seconds a synchronous magic waits (None: until the job ends)")
    tick = Float(0.5, config=True, help="Seconds between progress refreshes while waiting")
    workers = Int(2, config=True, help="Worker processes of a local server started here")
    request_timeout = Float(30.0, config=True, help="Seconds one HTTP request may take")

    def __init__(self, shell=None, client: Orchestra | None = None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.client = client
        self.panel = None  # the last %lo_pipeline panel

    # ---- plumbing --------------------------------------------------------------------------
    def orchestra(self) -> Orchestra:
        """The connected client; connects on first use if LO_URL or a local server exists."""
        if self.client is None:
            try:
                self.client = Orchestra(self.base_url, self.token, timeout=self.request_timeout)
            except LookupError as exc:
                raise UsageError(str(exc)) from None
        return self.client

    def wait(self, name: str, timeout: float | None = None, output: bool = False) -> dict:
        """Wait with a progress display; Ctrl-C cancels the remote job, then re-raises."""
        client = self.orchestra()
        reporter = display.ProgressReporter(name, display.in_kernel(self.shell))
        start = time.monotonic()
        timeout = timeout if timeout is not None else self.wait_timeout
        try:
            doc = client.wait(name, timeout, on_tick=reporter.tick, tick=self.tick,
                              output=output)
        except KeyboardInterrupt:
            note = self._cancel_after_interrupt(name)
            reporter.end({"status": "cancelled"}, time.monotonic() - start)
            print(note)
            raise
        except JobFailed as exc:
            reporter.end(exc.metadata, time.monotonic() - start)
            raise
        except WaitTimeout as exc:
            reporter.end(exc.metadata, time.monotonic() - start,
                         f"(still running: %lo_wait {name} to wait again)")
            raise
        reporter.end(doc, time.monotonic() - start)
        return doc

    def interruptible(self, name: str, start: Callable):
        """`start()`; a Ctrl-C meanwhile cancels job `name` too (it may have started)."""
        try:
            return start()
        except KeyboardInterrupt:
            print(self._cancel_after_interrupt(name))
            raise

    def _cancel_after_interrupt(self, name: str) -> str:
        try:
            self.orchestra().cancel(name)
            return f"{name}: interrupted; the remote job was cancelled"
        except OrchestraError as exc:
            if exc.status == 409:
                return f"{name}: interrupted; the remote job had already ended"
            return f"{name}: interrupted; cancelling the remote job failed: {exc}"

    def _store(self, var: str | None, value) -> None:
        if var:
            if not var.isidentifier():
                raise UsageError(f"--out needs a Python variable name, not {var!r}")
            self.shell.user_ns[var] = value

    # ---- connect ---------------------------------------------------------------------------
    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("url", nargs="?", help="server URL; without it (and without LO_URL) a local "
                                     "server is started, or the running one reused")
    @argument("--token", help="API token, as --token=T (default: LO_TOKEN, or the local "
                              "server's)")
    @argument("--status", action="store_true", help="show server, version and workers")
    @argument("--workers", type=int, help="worker processes for a local server started now")
    @_friendly
    def lo_connect(self, line):
        """Connect the notebook to an orchestration server.

        %lo_connect                  start (or reuse) your local server and connect to it
        %lo_connect http://host:8765 --token=T   (the = keeps a token starting with "-")
        %lo_connect --status         server URL, version, workers and job counts
        """
        args = parse_argstring(self.lo_connect, line)
        if args.status:
            return self._status()
        url = args.url or self.base_url or os.environ.get("LO_URL")
        token = args.token or self.token
        note = ""
        if not url:
            info = connection.start_local(workers=args.workers or self.workers)
            url, token = info["url"], token or info.get("token")
            state = "started" if info.get("started") else "reusing"
            note = f" ({state} the local server; data in {info.get('dataDir')})"
        client = Orchestra(url, token, timeout=self.request_timeout)
        version = client.health().get("version", "?")
        client.exists("lo-connect-check")  # a wrong token fails here, not at the first job
        if self.client is not None:
            self.client.close()
        self.client = client
        print(f"connected to {client.url} (lo-server {version}){note}")

    def _status(self) -> None:
        client = self.orchestra()
        health = client.health()
        docs = client.artifacts()
        counts: dict[str, int] = {}
        for doc in docs:
            counts[doc.get("status") or "unknown"] = counts.get(doc.get("status") or
                                                                "unknown", 0) + 1
        local = connection.running_server()
        workers = (f"{len(local.get('workers') or [])} local worker processes"
                   if local and connection.normalise_url(local["url"]) == client.url
                   else "unknown (remote server)")
        print(f"server:    {client.url}\n"
              f"version:   {health.get('version', '?')} ({health.get('status', '?')})\n"
              f"auth:      {'token' if client.token else 'none'}\n"
              f"workers:   {workers}\n"
              f"artifacts: {len(docs)}"
              + (" (" + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ")"
                 if counts else ""))

    # ---- functions -------------------------------------------------------------------------
    @cell_magic
    @no_var_expand
    @magic_arguments()
    @argument("name", help="the result's artifact name (running the cell again re-runs it)")
    @argument("-p", "--param", action="append", default=[], metavar="VAR=VALUE",
              help="a parameter: VAR=$artifact, VAR=<Python literal> or VAR=text")
    @argument("-i", "--input", action="append", default=[], metavar="VAR",
              help="send a kernel variable (JSON-serialisable) under its own name")
    @argument("--out", metavar="VAR", help="put the remote `response` into kernel variable VAR")
    @argument("--async", dest="run_async", action="store_true",
              help="return a Job handle at once instead of waiting")
    @argument("--timeout", type=float, help="the job's time limit in seconds")
    @argument("-d", "--description", default="", help="free text kept with the artifact")
    @_friendly
    def lo_function(self, line, cell):
        """Run the cell on the server as a Function job (its stdout is printed here).

        The code sees each -p parameter as a variable and must set `response`.
        $name parameters are artifacts (a DataFrame for datasets, the object otherwise;
        $name.key is response["key"] of a function). Waits with a progress bar; Ctrl-C
        cancels the remote job; a remote exception is shown with its remote traceback and
        fails the cell.

        %%lo_function stats -p data=$titanic -p column=Age --out stats
        print(data[column].describe())
        response = data[column].mean()
        """
        args = parse_argstring(self.lo_function, line)
        if args.run_async and args.out:
            raise UsageError("--out needs the result: drop --async (or call job.result())")
        client = self.orchestra()
        params = cells.parse_params(args.param, args.input, self.shell.user_ns)
        if args.run_async:
            job = client.run_function(args.name, cell, params, args.description, args.timeout)
            print(f"{args.name}: submitted; %lo_wait {args.name} waits for it")
            return job
        try:
            # the server answers at once if the job ends within a tick: one request, not two
            job = self.interruptible(args.name, lambda: client.run_function(
                args.name, cell, params, args.description, args.timeout,
                wait=min(self.tick, FIRST_WAIT, self.wait_timeout or FIRST_WAIT)))
            doc = job.wait() if job.ended else self.wait(args.name, output=True)
        except JobFailed as exc:
            print(exc.metadata.get("output", ""), end="")
            raise
        print(doc.get("output", ""), end="")
        self._store(args.out, client.download(args.name) if args.out else None)

    # ---- datasets and results --------------------------------------------------------------
    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("name", help="the dataset's artifact name")
    @argument("source", help="an http(s) URL, a DataFrame variable, or a .csv/.parquet path")
    @argument("--generic", action="store_true", help="keep the file's bytes (not a CSV table)")
    @argument("--replace", action="store_true", help="delete an existing dataset NAME first")
    @argument("--async", dest="run_async", action="store_true", help="do not wait")
    @_friendly
    def lo_dataset(self, line):
        """Create a dataset from a URL, a pandas DataFrame in the notebook, or a local file.

        %lo_dataset titanic https://example.org/train.csv
        %lo_dataset scores df            (uploads DataFrame df)
        Running the line again keeps the existing dataset unless --replace is given.
        """
        args = parse_argstring(self.lo_dataset, line)
        client = self.orchestra()
        if client.exists(args.name):
            if not args.replace:
                doc = client.artifact(args.name)
                print(f"{args.name}: already exists ({doc.get('type')}, {doc.get('status')}); "
                      "--replace loads it again")
                return None
            client.delete(args.name)
        source = args.source
        if source.startswith(("http://", "https://")):
            job = client.dataset(args.name, source, "generic" if args.generic else "csv")
        elif source in self.shell.user_ns and hasattr(self.shell.user_ns[source], "to_parquet"):
            job = client.upload(args.name, self.shell.user_ns[source])
        elif os.path.isfile(os.path.expanduser(source)):
            job = client.upload(args.name, os.path.expanduser(source))
        else:
            raise UsageError(f"{source!r} is not an http(s) URL, a DataFrame variable or a file")
        if args.run_async:
            return job
        doc = self.wait(args.name)
        size = (f": {doc['rows']} rows x {len(doc.get('fields') or [])} fields"
                if "rows" in doc else "")
        print(f"{args.name}: {doc.get('status')}{size}")
        return None

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("name")
    @argument("--out", metavar="VAR", help="store the value in VAR instead of returning it")
    @argument("--format", help="ask the server for a format (e.g. csv for tables)")
    @_friendly
    def lo_get(self, line):
        """Download an artifact's result: a DataFrame, an array, the object, or bytes.

        df = %lo_get titanic
        %lo_get model_trained --out model
        """
        args = parse_argstring(self.lo_get, line)
        value = self.orchestra().download(args.name.lstrip("$"), args.format)
        if args.out:
            self._store(args.out, value)
            return None
        return value

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("name")
    @argument("--timeout", type=float, help="stop waiting after this many seconds")
    @_friendly
    def lo_wait(self, line):
        """Wait for an artifact's job (progress shown; Ctrl-C cancels it; failures raise)."""
        args = parse_argstring(self.lo_wait, line)
        name = args.name.lstrip("$")
        doc = self.wait(name, args.timeout)
        if doc.get("type") == "function/python":
            print(self.orchestra().output(name, doc.get("jobId")), end="")
        print(f"{name}: {doc.get('status')}")

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("name")
    @_friendly
    def lo_cancel(self, line):
        """Cancel an artifact's queued or running job."""
        args = parse_argstring(self.lo_cancel, line)
        doc = self.orchestra().cancel(args.name.lstrip("$"))
        print(f"{args.name}: {doc.get('status')}")

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("--type", help="only this type, e.g. function/python")
    @argument("--status", help="only this status, e.g. running")
    @_friendly
    def lo_jobs(self, line):
        """A table of every artifact: type, status, progress, duration, parents, error."""
        args = parse_argstring(self.lo_jobs, line)
        docs = [d for d in self.orchestra().artifacts(args.type)
                if not args.status or d.get("status") == args.status]
        return display.jobs_table(docs)

    # ---- builder, explore, pipeline, help (bodies in workflows.py) -------------------------
    @cell_magic
    @no_var_expand
    @magic_arguments()
    @argument("name", help="a label for this run (shown with the results)")
    @argument("--train", required=True, help="the training dataset")
    @argument("--test", required=True, help="the test dataset")
    @argument("--classifiers", default=",".join(CLASSIFIERS),
              help="comma-separated, from LR,DT,RF,GB,NB (default: all)")
    @argument("--out", metavar="VAR", help="store the results table in VAR")
    @argument("--async", dest="run_async", action="store_true", help="return the Job handles")
    @_friendly
    def lo_builder(self, line, cell):
        """Fit Spark ML classifiers: the cell is PySpark modeling code.

        The code gets training_df, testing_df and spark_session and must set
        features_training, features_testing and features_evaluation (may be None).
        Shows a table of classifiers with accuracy, F1 and fit time; predictions are
        datasets named {test}{CLASSIFIER}.

        %%lo_builder titanic --train titanic_train --test titanic_test --classifiers LR,RF
        """
        args = parse_argstring(self.lo_builder, line)
        return workflows.builder(self, args, cell)

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("kind", choices=cells.EXPLORE_KINDS, help="what to plot")
    @argument("dataset", help="the dataset to explore")
    @argument("--name", help="the plot's artifact name (default DATASET_KIND; re-running "
                             "the line replaces it)")
    @argument("--fields", help="histogram: comma-separated fields (default: all)")
    @argument("-k", "--clusters", type=int, default=3, help="kmeans: number of clusters")
    @argument("--components", type=int, default=2, help="pca/tsne: output dimensions")
    @argument("--perplexity", type=float, help="tsne: perplexity (default: 30, or a third "
                                               "of the rows of a small dataset)")
    @argument("--widget", action="store_true", help="show plot and data as a tabbed widget")
    @argument("--out", metavar="VAR", help="store the plotted data in VAR")
    @_friendly
    def lo_explore(self, line):
        """Run an Explore job and show its plot inline, with the data behind it.

        %lo_explore histogram titanic --fields Sex,Pclass
        %lo_explore pca iris_numeric
        %lo_explore kmeans iris_numeric -k 3
        %lo_explore correlation titanic
        """
        args = parse_argstring(self.lo_explore, line)
        return workflows.explore(self, args)

    @line_magic
    @no_var_expand
    @magic_arguments()
    @argument("--sidebar", action="store_true", help="open it in JupyterLab's right sidebar")
    @argument("--static", action="store_true", help="do not follow live updates")
    @_friendly
    def lo_pipeline(self, line):
        """A live panel of every artifact by lineage, with cancel / re-run / plot / load."""
        args = parse_argstring(self.lo_pipeline, line)
        return workflows.pipeline(self, args)

    @line_magic
    def lo_help(self, line=""):
        """List the lo_ magics with a one-line summary each (`%lo_function?` for details)."""
        print(workflows.help_text(self))
