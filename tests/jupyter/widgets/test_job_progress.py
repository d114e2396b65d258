"""JobProgress and its text line (lo_jupyter/widgets/progress.py), without a front end."""

from lo_jupyter.widgets.progress import JobProgress, fraction_of, progress_text


def test_text_line_shows_status_fraction_message_and_time():
    running = {"status": "running", "progress": {"fraction": 0.4, "message": "epoch 2/5"}}
    assert progress_text("fit", running, 3.21) == "fit: running 40% (epoch 2/5) - 3.2 s"
    assert progress_text("fit", {"status": "queued", "progress": {"message": "queued"}}) == \
        "fit: queued"
    assert progress_text("fit", {}) == "fit: waiting"
    finished = {"status": "finished", "progress": {"fraction": 1.0, "message": "finished"}}
    assert progress_text("fit", finished, 1) == "fit: finished - 1.0 s"


def test_fraction_is_clamped_and_complete_when_finished():
    assert fraction_of({"progress": {"fraction": 7}}) == 1.0
    assert fraction_of({"progress": {"fraction": "x"}}) == 0.0
    assert fraction_of({"status": "finished", "progress": {"fraction": 0.2}}) == 1.0
    assert fraction_of({}) == 0.0


def test_widget_follows_the_job():
    widget = JobProgress("train_1")
    assert widget.bar.value == 0 and widget.label.value == "train_1: waiting"
    widget.update({"status": "running", "progress": {"fraction": 0.5, "message": "a<b"}}, 2)
    assert widget.bar.value == 0.5 and widget.bar.bar_style == "info"
    assert widget.label.value == "train_1: running 50% (a&lt;b) - 2.0 s"
    widget.update({"status": "failed", "error": {"message": "boom"}}, 3)
    assert widget.bar.bar_style == "danger"
    widget.update({"status": "finished"}, 4)
    assert widget.bar.value == 1.0 and widget.bar.bar_style == "success"
