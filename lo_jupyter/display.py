"""What the magics show: progress while waiting, job tables, builder metrics, explore plots.

Progress is a widget inside a kernel and a text line elsewhere (a terminal, a test shell).
Either appears only once a job has run longer than one tick, so quick jobs stay silent, and
ends as a plain text line, which survives nbconvert and headless runs.
"""

from __future__ import annotations

import sys

from lo_jupyter.widgets.progress import JobProgress, progress_text


def in_kernel(shell) -> bool:
    """True inside a Jupyter kernel (widgets can render), False in a terminal or test shell."""
    return getattr(shell, "kernel", None) is not None


class ProgressReporter:
    """The `on_tick` of a wait: a JobProgress widget (kernel) or a text line, shown lazily."""

    def __init__(self, name: str, use_widget: bool, stream=None):
        self.name = name
        self.use_widget = use_widget
        self.stream = stream
        self.widget: JobProgress | None = None
        self.shown = False
        self.last = ""

    def tick(self, metadata: dict, elapsed: float) -> None:
        if self.use_widget:
            if self.widget is None:
                from IPython.display import display

                self.widget = JobProgress(self.name)
                display(self.widget)
            self.widget.update(metadata, elapsed)
        else:
            text = progress_text(self.name, metadata, elapsed)
            out = self.stream or sys.stdout
            out.write("\r" + text.ljust(len(self.last)))
            out.flush()
            self.last = text
        self.shown = True

    def end(self, metadata: dict, elapsed: float, note: str = "") -> None:
        """Replace the live display with one final line (only if it was shown)."""
        if not self.shown:
            return
        if self.widget is not None:
            self.widget.close()
        out = self.stream or sys.stdout
        text = progress_text(self.name, metadata, elapsed) + (f" {note}" if note else "")
        out.write(("\r" + text.ljust(len(self.last)) if self.last else text) + "\n")
        out.flush()


def jobs_table(docs: list[dict]):
    """%lo_jobs: one row per artifact with what a user scans for."""
    import pandas as pd

    rows = []
    for doc in docs:
        progress = doc.get("progress") or {}
        error = doc.get("error") or {}
        rows.append({
            "name": doc.get("name"),
            "type": doc.get("type"),
            "status": doc.get("status"),
            "progress": f"{float(progress.get('fraction') or 0):.0%}",
            "message": progress.get("message") or "",
            "duration (s)": _round(doc.get("durationSeconds")),
            "parents": ", ".join(doc.get("parents") or []),
            "created": doc.get("timeCreated"),
            "error": (error.get("message") or "")[:200],
        })
    columns = ["name", "type", "status", "progress", "message", "duration (s)", "parents",
               "created", "error"]
    return pd.DataFrame(rows, columns=columns)


def builder_table(results: list[tuple[str, dict]]):
    """%%lo_builder: classifier, status, accuracy, F1, fit time and the prediction dataset."""
    import pandas as pd

    rows = []
    for name, doc in results:
        error = doc.get("error") or {}
        rows.append({
            "classifier": doc.get("classifier") or name[-2:],
            "status": doc.get("status"),
            "accuracy": _number(doc.get("accuracyValue", doc.get("accuracy"))),
            "F1": _number(doc.get("f1Value", doc.get("F1"))),
            "fit time (s)": _round(_number(doc.get("fitTime"))),
            "predictions": name,
            "error": (error.get("message") or "")[:200],
        })
    return pd.DataFrame(rows).set_index("classifier")


def show_explore(png: bytes, data, title: str, max_rows: int = 20) -> None:
    """The plot as a PNG output (kept by nbconvert and headless runs) and its data."""
    from IPython.display import Image, display

    from lo_jupyter.widgets.plot import as_frame

    display(Image(data=png, format="png"))
    frame = as_frame(data)
    if frame is not None:
        shown = frame.head(max_rows)
        if len(frame) > max_rows:
            print(f"{title}: first {max_rows} of {len(frame)} plotted rows")
        display(shown)
    elif data is not None:
        import json

        print(json.dumps(data, indent=2, default=str)[:5000])


def _number(value):
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _round(value):
    return round(value, 3) if isinstance(value, (int, float)) else value
