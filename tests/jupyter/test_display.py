"""What the magics show (lo_jupyter/display.py): progress, tables, explore output."""

import io

from IPython.utils.io import capture_output

from lo_jupyter import display
from lo_jupyter.widgets.progress import JobProgress

RUNNING = {"status": "running", "progress": {"fraction": 0.25, "message": "step 1"}}


def test_text_progress_is_silent_for_quick_jobs():
    out = io.StringIO()
    reporter = display.ProgressReporter("fit", use_widget=False, stream=out)
    reporter.end({"status": "finished"}, 0.1)
    assert out.getvalue() == ""


def test_text_progress_redraws_one_line_and_ends_it():
    out = io.StringIO()
    reporter = display.ProgressReporter("fit", use_widget=False, stream=out)
    reporter.tick(RUNNING, 0.5)
    reporter.tick({"status": "running", "progress": {"fraction": 0.5}}, 1.0)
    reporter.end({"status": "finished"}, 1.5)
    assert out.getvalue().split("\r") == [
        "", "fit: running 25% (step 1) - 0.5 s", "fit: running 50% - 1.0 s" + " " * 9,
        "fit: finished - 1.5 s" + " " * 3 + "\n"]  # each redraw covers the longer one


def test_widget_progress_is_shown_then_closed_for_a_text_summary(shell):
    out = io.StringIO()
    reporter = display.ProgressReporter("fit", use_widget=True, stream=out)
    with capture_output() as shown:
        reporter.tick(RUNNING, 0.5)
    assert isinstance(reporter.widget, JobProgress) and reporter.widget.bar.value == 0.25
    [view] = shown.outputs
    assert view.data["application/vnd.jupyter.widget-view+json"]["model_id"] == \
        reporter.widget.model_id
    reporter.end({"status": "failed"}, 2.0, "(see above)")
    assert reporter.widget.comm is None  # closed: the front end drops it
    assert out.getvalue() == "fit: failed - 2.0 s (see above)\n"


def test_in_kernel_needs_a_kernel():
    class Shell:
        kernel = object()

    assert display.in_kernel(Shell()) and not display.in_kernel(object())


def test_jobs_table_columns_and_values():
    table = display.jobs_table([
        {"name": "fit", "type": "train/scikitlearn", "status": "failed",
         "progress": {"fraction": 0.5, "message": "fitting"}, "durationSeconds": 1.23456,
         "parents": ["model", "data"], "timeCreated": "t", "error": {"message": "boom"}},
        {"name": "data", "type": "dataset/csv", "status": "finished"},
    ])
    assert list(table.columns) == ["name", "type", "status", "progress", "message",
                                   "duration (s)", "parents", "created", "error"]
    first = table.iloc[0].to_dict()
    assert first["progress"] == "50%" and first["duration (s)"] == 1.235
    assert first["parents"] == "model, data" and first["error"] == "boom"
    assert table.iloc[1]["progress"] == "0%" and table.iloc[1]["error"] == ""
    assert display.jobs_table([]).empty


def test_builder_table_prefers_numeric_metrics():
    table = display.builder_table([
        ("testLR", {"classifier": "LR", "status": "finished", "accuracy": "0.8",
                    "accuracyValue": 0.8125, "F1": "0.79", "fitTime": 1.23456}),
        ("testNB", {"status": "failed", "error": {"message": "negative features"}}),
    ])
    assert table.loc["LR", "accuracy"] == 0.8125 and table.loc["LR", "F1"] == 0.79
    assert table.loc["LR", "fit time (s)"] == 1.235 and table.loc["LR", "predictions"] == "testLR"
    assert table.loc["NB", "status"] == "failed" and table.loc["NB", "error"] == \
        "negative features"


def test_show_explore_emits_png_and_data_outputs(shell):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    data = {"kind": "bar", "labels": [str(i) for i in range(30)], "values": list(range(30))}
    with capture_output() as out:
        display.show_explore(png, data, "counts", max_rows=5)
    bundles = [o.data for o in out.outputs]
    assert "image/png" in bundles[0]
    assert "text/html" in bundles[1] or "text/plain" in bundles[1]
    assert "counts: first 5 of 30 plotted rows" in out.stdout
    with capture_output() as out:
        display.show_explore(png, {"note": 1}, "other")
    assert '"note": 1' in out.stdout
