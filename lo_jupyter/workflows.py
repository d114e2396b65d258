"""Bodies of the bigger magics (%%lo_builder, %lo_explore, %lo_pipeline, %lo_help).

Kept apart from magics.py so each module stays small; `magics` is the LoMagics instance
(its client, its waiting with progress and Ctrl-C, the user namespace).
"""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.display import display as show

from lo_jupyter import cells, display
from lo_jupyter.errors import JobFailed, OrchestraError


def builder(magics, args, cell: str):
    client = magics.orchestra()
    classifiers = [c.upper() for c in cells.split_list(args.classifiers)]
    if not classifiers:
        raise UsageError("--classifiers needs at least one of LR,DT,RF,GB,NB")
    try:
        jobs = client.builder(args.train, args.test, cell, classifiers)
    except OrchestraError as exc:
        if exc.status != 409:
            raise
        # running the cell again: drop this builder's previous predictions, then retry
        for classifier in classifiers:
            name = f"{args.test}{classifier}"
            if client.exists(name) and client.artifact(name).get("type") == "builder/sparkml":
                client.delete(name, "builder/sparkml")
        jobs = client.builder(args.train, args.test, cell, classifiers)
    if args.run_async:
        print(f"{args.name}: submitted {', '.join(j.name for j in jobs)}")
        return jobs
    results, failures = [], []
    for job in jobs:
        try:
            results.append((job.name, magics.wait(job.name)))
        except JobFailed as exc:
            results.append((job.name, exc.metadata))
            failures.append(exc)
    table = display.builder_table(results)
    printed = results[0][1].get("output") if results else ""
    if printed:  # what the modeling code printed (the same for every classifier)
        print(printed, end="" if printed.endswith("\n") else "\n")
    print(f"{args.name}: {len(results) - len(failures)} of {len(results)} classifiers finished")
    show(table)
    magics._store(args.out, table)
    if failures:
        raise failures[0]
    return None


def explore(magics, args):
    client = magics.orchestra()
    dataset = args.dataset.lstrip("$")
    name = args.name or f"{dataset}_{args.kind}"
    _replace_previous(client, name)
    if args.kind == "histogram":
        fields = cells.split_list(args.fields) or client.artifact(dataset).get("fields") or []
        if not fields:
            raise UsageError(f"{dataset!r} has no fields to count: pass --fields")
        client.histogram(dataset, name, fields)
        tool = "histogram"
    else:
        perplexity = args.perplexity
        if args.kind == "tsne" and perplexity is None:
            perplexity = cells.tsne_perplexity(client.artifact(dataset).get("rows"))
        request = cells.explore_request(args.kind, dataset, components=args.components,
                                        clusters=args.clusters, perplexity=perplexity)
        client.explore(name, request["modulePath"], request["class"],
                       request["classParameters"], request["method"],
                       request["methodParameters"], description=f"%lo_explore {args.kind}")
        tool = "scikitlearn"
    magics.wait(name)
    png = client.explore_image(name, tool)
    try:
        data = client.explore_data(name, tool)
    except OrchestraError as exc:
        if exc.status != 404:
            raise
        data = None
    if args.widget:
        from lo_jupyter.widgets.plot import ExplorePlot

        show(ExplorePlot(png, data, name))
    else:
        display.show_explore(png, data, name)
    if args.out:
        from lo_jupyter.widgets.plot import as_frame

        frame = as_frame(data)
        magics._store(args.out, frame if frame is not None else data)


def _replace_previous(client, name: str) -> None:
    """Running an explore line again redraws it: an older plot of that name is deleted."""
    try:
        kind = client.artifact(name).get("type") or ""
    except OrchestraError as exc:
        if exc.status == 404:
            return
        raise
    if not kind.startswith("explore/"):
        raise UsageError(f"{name!r} is already a {kind} artifact: pass --name")
    client.delete(name, kind)


def pipeline(magics, args):
    from lo_jupyter.widgets.pipeline import PipelinePanel

    if magics.panel is not None:  # one live panel at a time: the old one stops following
        magics.panel.stop()
    panel = magics.panel = PipelinePanel(magics.orchestra(), magics.shell.user_ns)
    if not args.static:
        try:
            panel.start()
        except RuntimeError:  # no running event loop (a terminal): a static snapshot
            pass
    if args.sidebar:
        from sidecar import Sidecar

        panel.sidecar = Sidecar(title="Orchestra")
        with panel.sidecar:
            show(panel)
        return None
    return panel


def help_text(magics) -> str:
    lines = ["lo_jupyter magics (`%name?` shows the options of each):", ""]
    shared = getattr(magics.shell, "_lo_notebook_magics", None)  # %lo_share, %lo_run, ...
    for kind, prefix in (("line", "%"), ("cell", "%%")):
        found = {**magics.magics[kind], **(shared.magics[kind] if shared else {})}
        for name, method in sorted(found.items()):
            parser = getattr(method, "parser", None)  # magic_arguments rewrote __doc__
            doc = (parser.description if parser else method.__doc__) or ""
            summary = doc.strip().splitlines()[0] if doc.strip() else ""
            lines.append(f"  {prefix + name:<16} {summary}")
    lines += ["", "Client: from lo_jupyter import Orchestra; lo = Orchestra()  "
                  "(upstream classes: lo_jupyter.compat)"]
    return "\n".join(lines)
