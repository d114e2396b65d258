"""PipelinePanel: every artifact as a lineage tree, live from the server's event stream.

Live updates run as an asyncio task on the kernel's own event loop (ipykernel 7 drops widget
updates sent from foreign threads). The state logic (`lineage`, `apply_event`) is plain
Python, so it is tested without a front end.
"""

from __future__ import annotations

import asyncio
import html
import keyword
import re

import ipywidgets as widgets

from lo_jupyter.widgets.progress import BAR_STYLES, fraction_of

BADGE_COLOURS = {"queued": "#777", "running": "#1f77b4", "finished": "#2ca02c",
                 "failed": "#d62728", "cancelled": "#ff7f0e"}
EVENT_FIELDS = ("status", "finished", "progress", "error")
RETRY_SECONDS = (1, 2, 5, 10)


def lineage(docs: list[dict]) -> list[tuple[dict, int]]:
    """Artifacts in tree order with their depth: roots (no known parent) first, in creation
    order; each artifact under its first known parent. Cycles cannot hide an artifact."""
    by_name = {d["name"]: d for d in docs if d.get("name")}
    children: dict[str, list[str]] = {}
    roots = []
    for doc in by_name.values():
        parents = [p for p in doc.get("parents") or [] if p in by_name and p != doc["name"]]
        if parents:
            children.setdefault(parents[0], []).append(doc["name"])
        else:
            roots.append(doc["name"])
    order: list[tuple[dict, int]] = []
    seen: set[str] = set()

    def visit(name: str, depth: int) -> None:
        if name in seen:
            return
        seen.add(name)
        order.append((by_name[name], depth))
        for child in sorted(children.get(name, []), key=lambda n: _created(by_name[n])):
            visit(child, depth + 1)

    for root in sorted(roots, key=lambda n: _created(by_name[n])):
        visit(root, 0)
    for name in sorted(set(by_name) - seen, key=lambda n: _created(by_name[n])):
        visit(name, 0)  # only reachable through a cycle
    return order


def _created(doc: dict):
    return (doc.get("timeCreated") or "", doc.get("name", ""))


def variable_name(name: str) -> str:
    """A Python identifier for loading artifact `name` into the kernel."""
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit() or keyword.iskeyword(ident):
        ident = f"_{ident}"
    return ident


class ArtifactRow(widgets.VBox):
    """One artifact: name and type, status badge, progress bar, actions, error text."""

    def __init__(self, panel: PipelinePanel, doc: dict, depth: int = 0):
        self.panel = panel
        self.name = doc["name"]
        self.title = widgets.HTML()
        self.badge = widgets.HTML()
        self.bar = widgets.FloatProgress(min=0.0, max=1.0, layout=widgets.Layout(width="120px"))
        self.buttons = {
            "cancel": widgets.Button(description="cancel", icon="stop",
                                     tooltip="cancel the running job"),
            "rerun": widgets.Button(description="re-run", icon="refresh",
                                    tooltip="run this job again"),
            "plot": widgets.Button(description="plot", icon="image",
                                   tooltip="show the plot"),
            "load": widgets.Button(description="load", icon="download",
                                   tooltip="load the result into the kernel"),
        }
        for action, button in self.buttons.items():
            button.layout = widgets.Layout(width="auto")
            button.on_click(lambda _b, a=action: panel.act(a, self.name))
        self.error = widgets.HTML()
        self.header = widgets.HBox([self.title, self.badge, self.bar, *self.buttons.values()])
        super().__init__([self.header, self.error])
        self.update(doc, depth)

    def update(self, doc: dict, depth: int | None = None) -> None:
        if depth is not None:
            self.depth = depth
            self.layout.margin = f"0 0 0 {depth * 24}px"
        status = doc.get("status") or "unknown"
        self.status = status
        kind = html.escape(doc.get("type") or "")
        self.title.value = (f"<b>{html.escape(self.name)}</b> "
                            f"<span style='color:#888'>{kind}</span>")
        colour = BADGE_COLOURS.get(status, "#777")
        self.badge.value = (f"<span style='background:{colour};color:white;padding:0 6px;"
                            f"border-radius:8px'>{html.escape(status)}</span>")
        self.bar.value = fraction_of(doc)
        self.bar.bar_style = BAR_STYLES.get(status, "")
        active = status in ("queued", "running")
        self.buttons["cancel"].disabled = not active
        self.buttons["rerun"].disabled = active
        self.buttons["plot"].layout.display = (
            "" if (doc.get("type") or "").startswith("explore/") else "none")
        self.buttons["load"].disabled = status != "finished"
        error = doc.get("error") or {}
        self.error.value = (f"<pre style='color:#d62728;margin:0'>"
                            f"{html.escape(str(error.get('message', '')))}</pre>"
                            if status in ("failed", "cancelled") and error else "")


class PipelinePanel(widgets.VBox):
    """Every artifact of the server grouped by lineage, updating live.

    `panel.start()` follows /observe/events on the running asyncio loop (the kernel's);
    `panel.stop()` ends that. Buttons cancel, re-run, plot, or load a result into
    `namespace` (the kernel's user namespace).
    """

    def __init__(self, client, namespace: dict | None = None, refresh: bool = True):
        self.client = client
        self.namespace = namespace if namespace is not None else {}
        self.docs: dict[str, dict] = {}
        self.rows: dict[str, ArtifactRow] = {}
        self.summary = widgets.HTML()
        self.refresh_button = widgets.Button(description="refresh", icon="refresh",
                                             layout=widgets.Layout(width="auto"))
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.tree = widgets.VBox()
        self.message = widgets.HTML()
        self.detail = widgets.VBox()  # the plot a row's button asked for
        self._task: asyncio.Task | None = None
        super().__init__([widgets.HBox([widgets.HTML("<b>Orchestra pipeline</b>"),
                                        self.refresh_button, self.summary]),
                          self.tree, self.message, self.detail])
        if refresh:
            self.refresh()

    # ---- state -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload every artifact from the server."""
        self.set_artifacts(self.client.artifacts())

    def set_artifacts(self, docs: list[dict]) -> None:
        self.docs = {d["name"]: dict(d) for d in docs if d.get("name")}
        self._layout()

    def apply_event(self, event: dict) -> str:
        """Merge one event; returns "updated", "removed", "unknown" (fetch it) or "ignored"."""
        name = event.get("name")
        if not name:
            return "ignored"
        if event.get("deleted") or event.get("status") == "deleted":
            if self.docs.pop(name, None) is None:
                return "ignored"
            self._layout()
            return "removed"
        doc = self.docs.get(name)
        if doc is None:
            return "unknown"
        doc.update({k: event[k] for k in EVENT_FIELDS if k in event})
        self.rows[name].update(doc)
        self._summarise()
        return "updated"

    def add(self, doc: dict) -> None:
        self.docs[doc["name"]] = dict(doc)
        self._layout()

    def _layout(self) -> None:
        children = []
        for doc, depth in lineage(list(self.docs.values())):
            row = self.rows.get(doc["name"])
            if row is None:
                row = self.rows[doc["name"]] = ArtifactRow(self, doc, depth)
            else:
                row.update(doc, depth)
            children.append(row)
        for name in set(self.rows) - set(self.docs):
            self.rows.pop(name).close()
        self.tree.children = tuple(children)
        self._summarise()

    def _summarise(self) -> None:
        counts: dict[str, int] = {}
        for doc in self.docs.values():
            counts[doc.get("status") or "unknown"] = counts.get(doc.get("status") or
                                                                "unknown", 0) + 1
        text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no artifacts"
        self.summary.value = f"<span style='color:#555'>{html.escape(text)}</span>"

    # ---- live updates ----------------------------------------------------------------------
    async def follow(self, events=None) -> None:
        """Apply events until cancelled; reconnect (and reload everything) if the stream
        breaks, so no change is lost while it was down."""
        attempt = 0
        while True:
            try:
                if events is not None:
                    source = events
                else:
                    source = self.client.aevents(on_open=self._reload_async)
                async for event in source:
                    attempt = 0
                    await self._apply_async(event)
                if events is not None:
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the panel must outlive a server restart
                self.message.value = (f"<span style='color:#d62728'>event stream lost "
                                      f"({html.escape(str(exc))[:200]}); retrying</span>")
                if events is not None:
                    raise
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            attempt += 1

    async def _reload_async(self) -> None:
        docs = await asyncio.to_thread(self.client.artifacts)
        self.set_artifacts(docs)
        self.message.value = ""

    async def _apply_async(self, event: dict) -> None:
        if self.apply_event(event) == "unknown":
            try:
                doc = await asyncio.to_thread(self.client.artifact, event["name"])
            except Exception:  # noqa: BLE001 - deleted meanwhile: the next event says so
                return
            self.add(doc)

    def start(self) -> asyncio.Task:
        """Follow the event stream on the running loop: a notebook cell runs inside the
        kernel's loop; elsewhere (no running loop) this raises RuntimeError."""
        loop = asyncio.get_running_loop()
        self.stop()
        self._task = loop.create_task(self.follow())
        return self._task

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    @property
    def live(self) -> bool:
        return self._task is not None and not self._task.done()

    # ---- actions ---------------------------------------------------------------------------
    def act(self, action: str, name: str) -> None:
        """Run a row button's action; errors are shown in the panel, not raised."""
        try:
            if action == "cancel":
                self.client.cancel(name)
                self._note(f"{name}: cancel requested")
            elif action == "rerun":
                self.client.rerun(name)
                self._note(f"{name}: re-run submitted")
            elif action == "load":
                var = variable_name(name)
                self.namespace[var] = self.client.download(name)
                self._note(f"{name} loaded into variable {var}")
            elif action == "plot":
                self.show_plot(name)
        except Exception as exc:  # noqa: BLE001 - a button must never kill the panel
            self._note(f"{name}: {action} failed: {exc}", error=True)

    def show_plot(self, name: str) -> None:
        from lo_jupyter.widgets.plot import ExplorePlot

        for old in self.detail.children:
            old.close()
        self.detail.children = (ExplorePlot.from_artifact(self.client, name),)

    def _note(self, text: str, error: bool = False) -> None:
        colour = "#d62728" if error else "#555"
        self.message.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"
