"""A job's progress: a bar plus name, status, message and elapsed time (stock ipywidgets)."""

from __future__ import annotations

import html

import ipywidgets as widgets

BAR_STYLES = {"queued": "", "running": "info", "finished": "success", "failed": "danger",
              "cancelled": "warning"}


def fraction_of(metadata: dict) -> float:
    progress = metadata.get("progress") or {}
    if metadata.get("status") == "finished":
        return 1.0
    try:
        return min(max(float(progress.get("fraction") or 0.0), 0.0), 1.0)
    except (TypeError, ValueError):
        return 0.0


def progress_text(name: str, metadata: dict, elapsed: float | None = None) -> str:
    """One line: "name: running 40% (epoch 2/5) - 3.2 s"."""
    status = metadata.get("status") or "waiting"
    message = (metadata.get("progress") or {}).get("message") or ""
    parts = [f"{name}: {status}"]
    if status in ("running", "queued") and fraction_of(metadata) > 0:
        parts.append(f"{fraction_of(metadata):.0%}")
    if message and message != status:
        parts.append(f"({message})")
    if elapsed is not None:
        parts.append(f"- {elapsed:.1f} s")
    return " ".join(parts)


class JobProgress(widgets.HBox):
    """Shown by the synchronous magics while they wait for a job."""

    def __init__(self, name: str):
        self.name = name
        self.bar = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="",
                                         layout=widgets.Layout(width="30%"))
        self.label = widgets.HTML(value=html.escape(f"{name}: waiting"))
        super().__init__([self.bar, self.label])

    def update(self, metadata: dict, elapsed: float | None = None) -> None:
        self.bar.value = fraction_of(metadata)
        self.bar.bar_style = BAR_STYLES.get(metadata.get("status"), "")
        self.label.value = html.escape(progress_text(self.name, metadata, elapsed))
