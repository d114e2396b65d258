"""%lo_explore, %%lo_builder, %lo_pipeline and %lo_help on a real shell and server."""

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.utils.io import capture_output

from lo_jupyter.errors import JobFailed
from lo_jupyter.widgets.pipeline import PipelinePanel
from lo_jupyter.widgets.plot import ExplorePlot
from tests.jupyter.conftest import unique


@pytest.fixture
def flowers(orchestra):
    name = unique("flowers")
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"petal": rng.normal(size=24), "sepal": rng.normal(size=24),
                          "width": rng.normal(size=24), "kind": ["a", "b", "c"] * 8})
    orchestra.upload(name, frame).wait(60)
    return name


def outputs_of(captured):
    return [o.data for o in captured.outputs]


def test_explore_histogram_renders_png_and_counts(ip, flowers, orchestra):
    with capture_output() as out:
        ip.run_line_magic("lo_explore", f"histogram ${flowers} --fields kind --out counts")
    bundles = outputs_of(out)
    assert bundles[0]["image/png"]  # the plot, as an output nbconvert keeps
    assert "kind     a      8" in bundles[1]["text/plain"]  # the counts behind it
    assert sorted(ip.user_ns["counts"]["count"]) == [8, 8, 8]
    assert orchestra.artifact(f"{flowers}_histogram")["type"] == "explore/histogram"


def test_explore_kinds_and_rerun(ip, flowers, orchestra):
    numeric = unique("numeric")
    orchestra.projection(flowers, numeric, ["petal", "sepal", "width"]).wait(60)
    for kind, extra in (("pca", ""), ("tsne", ""), ("kmeans", " -k 2"), ("correlation", "")):
        with capture_output() as out:
            ip.run_line_magic("lo_explore", f"{kind} {numeric}{extra} --out data")
        assert outputs_of(out)[0]["image/png"], kind
        assert isinstance(ip.user_ns["data"], pd.DataFrame), kind
    assert ip.user_ns["data"].shape == (3, 3)  # the correlation matrix
    first = orchestra.artifact(f"{numeric}_pca")["timeCreated"]
    with capture_output():
        ip.run_line_magic("lo_explore", f"pca {numeric} --widget")  # again: replaced
    assert orchestra.artifact(f"{numeric}_pca")["timeCreated"] >= first
    with pytest.raises(UsageError, match="already a dataset/csv"):
        ip.run_line_magic("lo_explore", f"pca {numeric} --name {flowers}")


def test_explore_widget_and_remote_errors(ip, flowers):
    with capture_output() as out:
        ip.run_line_magic("lo_explore", f"histogram {flowers} --fields kind --widget")
    [view] = outputs_of(out)
    assert "application/vnd.jupyter.widget-view+json" in view
    with capture_output(), pytest.raises(JobFailed, match="could not convert|string"):
        ip.run_line_magic("lo_explore", f"pca {flowers} --name {unique('bad_pca')}")


def test_pipeline_magic_returns_a_panel(ip, flowers):
    panel = ip.run_line_magic("lo_pipeline", "")
    assert isinstance(panel, PipelinePanel) and flowers in panel.rows
    assert not panel.live  # a terminal shell has no running loop: a snapshot
    assert isinstance(ip.run_line_magic("lo_pipeline", "--static"), PipelinePanel)
    with capture_output():
        assert ip.run_line_magic("lo_pipeline", "--sidebar --static") is None
    panel = ip._lo_magics.panel
    assert panel.sidecar.title == "Orchestra" and flowers in panel.rows


def test_plot_widget_from_artifact(orchestra, flowers):
    name = unique("hist")
    orchestra.histogram(flowers, name, ["kind"]).wait(60)
    widget = ExplorePlot.from_artifact(orchestra, name)
    assert bytes(widget.image.value).startswith(b"\x89PNG") and "<table" in widget.table.value


@pytest.mark.slow
def test_builder_cell_shows_metrics_and_runs_again(ip, orchestra, files):
    from notebooks.data import titanic, titanic_spark

    train, test = unique("tt_train"), unique("tt_test")
    orchestra.upload(train, titanic.generate(120)).wait(60)
    orchestra.upload(test, titanic.generate(40, seed=1, test=True, first_id=200)).wait(60)
    with capture_output() as out:
        ip.run_cell_magic("lo_builder", f"titanic --train {train} --test {test} "
                                        "--classifiers lr,dt --out metrics",
                          titanic_spark.CASTING_CODE + "\nprint('rows:', training_df.count())")
    assert out.stdout.startswith("rows: 120\ntitanic: 2 of 2 classifiers finished")
    table = ip.user_ns["metrics"]
    assert list(table.index) == ["LR", "DT"] and set(table["status"]) == {"finished"}
    assert table["accuracy"].between(0, 1).all() and (table["fit time (s)"] >= 0).all()
    assert list(table["predictions"]) == [f"{test}LR", f"{test}DT"]
    # running the cell again replaces those predictions; broken code fails the cell
    with capture_output() as out, pytest.raises(JobFailed) as failed:
        ip.run_cell_magic("lo_builder", f"titanic --train {train} --test {test} "
                                        "--classifiers LR,DT --out metrics",
                          "features_training = training_df\nraise ValueError('no features')")
    assert "titanic: 0 of 2 classifiers finished" in out.stdout
    assert "no features" in failed.value.remote_message
    assert set(ip.user_ns["metrics"]["status"]) == {"failed"}
