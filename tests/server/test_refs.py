import pytest

from lo_server import refs
from lo_server.errors import Invalid

ARTIFACTS = {
    "data": {"status": "finished", "format": "parquet"},
    "prep": {"status": "finished", "format": "pickle"},
    "v1.2": {"status": "finished", "format": "pickle"},
    "busy": {"status": "running"},
    "broken": {"status": "failed"},
}


def test_plan_replaces_references_and_records_parents():
    planned, parents = refs.plan(
        {"df": "$data", "x": "$prep.X_train", "many": ["$data", 3, "$$prep"], "plain": "a$b",
         "n": 5}, ARTIFACTS.get)
    assert planned["df"] == {refs.REF: "data", "key": None, "format": "parquet"}
    assert planned["x"] == {refs.REF: "prep", "key": "X_train", "format": "pickle"}
    assert planned["many"][1] == 3 and planned["many"][2][refs.REF] == "prep"
    assert planned["plain"] == "a$b" and planned["n"] == 5
    assert parents == ["data", "prep"]


def test_a_dotted_name_that_exists_is_the_artifact_itself():
    planned, parents = refs.plan({"v": "$v1.2"}, ARTIFACTS.get)
    assert planned["v"] == {refs.REF: "v1.2", "key": None, "format": "pickle"}
    assert parents == ["v1.2"]


@pytest.mark.parametrize("value, words", [
    ("$nothing", "no artifact named 'nothing'"),
    ("$busy", "is running"),
    ("$broken", "is failed"),
])
def test_unusable_references_are_refused_with_their_name(value, words):
    with pytest.raises(Invalid, match=words):
        refs.plan({"p": value}, ARTIFACTS.get)


def test_resolve_loads_values_keys_and_expressions():
    store = {"data": [1, 2], "prep": {"X_train": "matrix"}}
    planned, _ = refs.plan({"a": "$data", "b": "$prep.X_train", "c": "#numpy.arange(3).sum()",
                            "d": ["#math.sqrt(16)", "$data"]}, ARTIFACTS.get)
    values = refs.resolve(planned, lambda name, fmt: store[name])
    assert values == {"a": [1, 2], "b": "matrix", "c": 3, "d": [4.0, [1, 2]]}


def test_expressions_see_builtins_but_not_arbitrary_names():
    assert refs.evaluate("len([1, 2])") == 2
    with pytest.raises(NameError):
        refs.evaluate("os.getcwd()")
