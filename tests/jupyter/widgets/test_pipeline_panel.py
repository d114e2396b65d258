"""PipelinePanel state and live-update logic, without a front end, against a real server."""

import asyncio

import pandas as pd
import pytest

from lo_jupyter.widgets.pipeline import PipelinePanel, lineage, variable_name
from tests.jupyter.conftest import unique


def doc(name, parents=(), created="2026-01-01T00:00:00", **fields):
    return {"name": name, "parents": list(parents), "timeCreated": created,
            "type": "function/python", "status": "finished", **fields}


def test_lineage_orders_a_tree_by_parents_then_creation():
    docs = [doc("model", created="t2"), doc("data", created="t1"),
            doc("trained", ["model", "data"], "t3"), doc("pred", ["trained"], "t4"),
            doc("other", ["data"], "t2"), doc("orphan", ["deleted_parent"], "t0")]
    assert [(d["name"], depth) for d, depth in lineage(docs)] == [
        ("orphan", 0), ("data", 0), ("other", 1), ("model", 0), ("trained", 1), ("pred", 2)]


def test_lineage_survives_cycles_and_self_references():
    docs = [doc("a", ["b"]), doc("b", ["a"]), doc("c", ["c"])]
    assert sorted(d["name"] for d, _ in lineage(docs)) == ["a", "b", "c"]


def test_variable_names():
    assert variable_name("iris.v2-final") == "iris_v2_final"
    assert variable_name("2020_data") == "_2020_data" and variable_name("class") == "_class"


class StaticClient:
    """Stands in for the server when only the state logic is under test."""

    def __init__(self, docs):
        self.docs = docs

    def artifacts(self):
        return self.docs


def test_events_update_rows_and_layout():
    client = StaticClient([doc("data", created="t1"),
                           doc("fit", ["data"], "t2", status="running",
                               progress={"fraction": 0.2, "message": "epoch 1"})])
    panel = PipelinePanel(client)
    assert [row.name for row in panel.tree.children] == ["data", "fit"]
    fit = panel.rows["fit"]
    assert fit.depth == 1 and fit.bar.value == 0.2 and not fit.buttons["cancel"].disabled
    assert fit.buttons["rerun"].disabled and fit.buttons["load"].disabled
    assert "1 finished, 1 running" in panel.summary.value
    assert panel.apply_event({"name": "fit", "status": "failed", "finished": False,
                              "error": {"message": "ValueError: <bad>"}}) == "updated"
    assert fit.status == "failed" and "ValueError: &lt;bad&gt;" in fit.error.value
    assert fit.buttons["cancel"].disabled and not fit.buttons["rerun"].disabled
    assert panel.apply_event({"name": "new_one", "status": "queued"}) == "unknown"
    assert panel.apply_event({"status": "x"}) == "ignored"
    assert panel.apply_event({"name": "fit", "status": "deleted", "deleted": True}) == "removed"
    assert [row.name for row in panel.tree.children] == ["data"] and "fit" not in panel.rows
    assert panel.apply_event({"name": "fit", "deleted": True}) == "ignored"
    panel.add(doc("plot", ["data"], "t3", type="explore/scikitlearn"))
    assert panel.rows["plot"].buttons["plot"].layout.display == ""
    assert panel.rows["data"].buttons["plot"].layout.display == "none"


def test_follow_applies_a_given_event_stream_and_fetches_unknown_artifacts():
    class Client(StaticClient):
        def artifact(self, name):
            return doc(name, ["data"], "t5", status="queued")

    panel = PipelinePanel(Client([doc("data")]))

    async def events():
        yield {"name": "late", "status": "queued"}
        yield {"name": "late", "status": "running", "progress": {"fraction": 0.5}}

    asyncio.run(panel.follow(events()))
    assert panel.docs["late"]["status"] == "running" and panel.rows["late"].bar.value == 0.5


def test_live_updates_from_the_server_on_an_asyncio_loop(orchestra):
    panel = PipelinePanel(orchestra)
    name = unique("live")

    async def scenario():
        task = panel.start()
        for _ in range(100):  # the stream is open once the panel reloaded
            await asyncio.sleep(0.05)
            if panel.live and panel.message.value == "":
                break
        await asyncio.to_thread(lambda: orchestra.function(name, "response = 1").wait(60))
        for _ in range(200):
            if panel.docs.get(name, {}).get("status") == "finished":
                break
            await asyncio.sleep(0.05)
        panel.stop()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
    assert panel.docs[name]["status"] == "finished"
    assert panel.rows[name].badge.value.count("finished") == 1 and not panel.live


def test_buttons_cancel_rerun_and_load(orchestra):
    namespace = {}
    data = unique("btn_data")
    orchestra.upload(data, pd.DataFrame({"v": [1, 2]})).wait(60)
    slow = unique("btn_slow")
    orchestra.function(slow, "import time\ntime.sleep(60)\nresponse = 1")
    panel = PipelinePanel(orchestra, namespace)
    panel.act("cancel", slow)
    assert orchestra.artifact(slow)["status"] == "cancelled"
    assert "cancel requested" in panel.message.value
    panel.act("load", data)
    assert namespace[variable_name(data)]["v"].tolist() == [1, 2]
    quick = unique("btn_quick")
    orchestra.function(quick, "print('run')\nresponse = 2").wait(60)
    panel.act("rerun", quick)
    orchestra.wait(quick, 60)
    assert len(orchestra.executions(quick)) == 2
    panel.act("load", "no_such_artifact")
    assert "load failed" in panel.message.value and "no_such_artifact" in panel.message.value


@pytest.mark.slow
def test_plot_button_shows_an_explore_plot(orchestra, routes):
    from tests.jupyter.conftest import require

    require(routes, "GET", "/explore/scikitlearn/{name}/image", "issue 3 (explore)")
    data = unique("pp_data")
    orchestra.upload(data, pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 4, 3],
                                         "c": [0.5, 0.1, 0.9, 0.3]})).wait(60)
    plot = unique("pp_plot")
    orchestra.explore(plot, "sklearn.decomposition", "PCA", {"n_components": 2},
                      "fit_transform", {"X": f"${data}"}).wait(120)
    panel = PipelinePanel(orchestra)
    assert plot in panel.rows and panel.rows[plot].buttons["plot"].layout.display == ""
    panel.act("plot", plot)
    [shown] = panel.detail.children
    assert bytes(shown.image.value).startswith(b"\x89PNG") and shown.data["kind"] == "scatter"
    assert panel.message.value == ""
