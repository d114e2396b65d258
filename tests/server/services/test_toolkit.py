"""Class, method and parent checks of the toolkit services, on a real SQLite store."""

import pytest

from lo_server.config import Settings
from lo_server.context import Context
from lo_server.errors import Invalid
from lo_server.services import toolkit
from lo_server.store.sqlite import SqliteStore


@pytest.fixture
def ctx(tmp_path):
    store = SqliteStore(tmp_path / "meta.sqlite3")
    yield Context(Settings(data_dir=tmp_path), store, engine=None, bus=None)
    store.close()


def add(ctx, name, **doc):
    doc.setdefault("status", "finished")
    assert ctx.store.create_artifact(name, {"name": name, **doc})


@pytest.mark.parametrize("module, cls, message", [
    ("os", "path", "invalid module path name: 'os' is not in a toolkit package"),
    ("sklearn.nothing_here", "X", "invalid module path name: 'sklearn.nothing_here' cannot "
                                  "be imported (ModuleNotFoundError"),
    ("sklearn.linear_model", "Nope", "invalid class name: sklearn.linear_model has no class "
                                     "'Nope'"),
    ("sklearn.linear_model", "__doc__", "invalid class name"),
])
def test_unknown_modules_and_classes_are_406(module, cls, message):
    with pytest.raises(Invalid) as raised:
        toolkit.find_class(module, cls)
    assert raised.value.status == 406 and raised.value.message.startswith(message)


def test_parameters_are_checked_against_signatures():
    cls = toolkit.find_class("sklearn.linear_model", "LogisticRegression")
    toolkit.check_class_parameters(cls, {"C": 1, "max_iter": 10})
    with pytest.raises(Invalid, match=r"^invalid class parameter: 'bogus' not accepted by "
                                      r"LogisticRegression\(\) \(accepts penalty, "):
        toolkit.check_class_parameters(cls, {"C": 1, "bogus": 2})
    toolkit.check_method(cls, "fit")
    with pytest.raises(Invalid, match="^invalid method name: LogisticRegression has no "
                                      "method 'fitt'"):
        toolkit.check_method(cls, "fitt")
    toolkit.check_method_parameters(cls, "fit", {"X": 1, "y": 2, "sample_weight": None})
    with pytest.raises(Invalid, match=r"^invalid class method parameter: 'self', 'Z' not "
                                      r"accepted by LogisticRegression.fit\(\)"):
        toolkit.check_method_parameters(cls, "fit", {"self": 1, "Z": 2})


def test_keyword_catch_alls_accept_any_parameter():
    cls = toolkit.find_class("pandas", "DataFrame")
    toolkit.check_method_parameters(cls, "pipe", {"anything": 1})  # pipe(func, *args, **kw)


def test_the_model_class_is_found_through_parent_links(ctx):
    add(ctx, "m", type="model/scikitlearn", modulePath="sklearn.linear_model",
        **{"class": "LogisticRegression"})
    add(ctx, "t", type="train/scikitlearn", parentName="m", modulePath="sklearn.linear_model",
        **{"class": "LogisticRegression"})
    add(ctx, "fn", type="function/python")
    add(ctx, "odd", type="function/python", parentName="fn")
    assert toolkit.model_class(ctx, "m")[1] == "LogisticRegression"
    assert toolkit.model_class(ctx, "t")[2].__name__ == "LogisticRegression"
    with pytest.raises(Invalid, match="^invalid model name: 'odd' does not lead to a model "
                                      r"\('fn' is a function/python\)"):
        toolkit.model_class(ctx, "odd")
    with pytest.raises(Invalid, match="^parentName doesn't exist: there is no artifact named "
                                      "'ghost' \\(modelName\\)"):
        toolkit.model_class(ctx, "ghost")


def test_a_parent_chain_that_loops_is_406(ctx):
    add(ctx, "a", type="function/python", parentName="b")
    add(ctx, "b", type="function/python", parentName="a")
    with pytest.raises(Invalid, match="does not lead to a model"):
        toolkit.model_class(ctx, "a")


def test_a_method_needs_a_finished_parent_holding_an_object(ctx):
    add(ctx, "obj", type="function/python", format="pickle")
    add(ctx, "busy", type="model/scikitlearn", status="running")
    add(ctx, "raw", type="dataset/generic", format="binary")
    assert toolkit.object_parent(ctx, "obj")["format"] == "pickle"
    with pytest.raises(Invalid, match="^unfinished processing in parentName: 'busy' is "
                                      "running"):
        toolkit.object_parent(ctx, "busy")
    with pytest.raises(Invalid, match="^invalid parentName: 'raw' is a dataset/generic"):
        toolkit.object_parent(ctx, "raw")
    with pytest.raises(Invalid, match="^parentName doesn't exist"):
        toolkit.object_parent(ctx, "none")
