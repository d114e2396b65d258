"""Magic arguments to request bodies: -p parameters, -i inputs and explore kinds."""

import pandas as pd
import pytest

from lo_jupyter import cells


@pytest.mark.parametrize("text, expected", [
    ("data=$titanic", ("data", "$titanic")),
    ("x=$fn.values", ("x", "$fn.values")),
    ("n=5", ("n", 5)),
    ("rate=0.5", ("rate", 0.5)),
    ("items=[1, 'a']", ("items", [1, "a"])),
    ("opts={'k': None}", ("opts", {"k": None})),
    ("flag=True", ("flag", True)),
    ("word=hello", ("word", "hello")),
    ("quoted='a b'", ("quoted", "a b")),
    ("expr=1+", ("expr", "1+")),
    ("eq=a=b", ("eq", "a=b")),
])
def test_parse_param(text, expected):
    assert cells.parse_param(text) == expected


@pytest.mark.parametrize("text", ["novalue", "1x=3", "=3", "a b=1"])
def test_parse_param_rejects_bad_names(text):
    with pytest.raises(ValueError, match="VAR=VALUE"):
        cells.parse_param(text)


def test_inputs_ship_json_values_and_refuse_the_rest():
    ns = {"limit": 3, "names": ["a"], "df": pd.DataFrame({"a": [1]}), "obj": object()}
    assert cells.parse_params(["x=1"], ["limit", "names"], ns) == {
        "x": 1, "limit": 3, "names": ["a"]}
    with pytest.raises(ValueError, match="%lo_dataset NAME df"):
        cells.parse_params([], ["df"], ns)
    with pytest.raises(ValueError, match="cannot be sent as JSON"):
        cells.parse_params([], ["obj"], ns)
    with pytest.raises(ValueError, match="no variable 'missing'"):
        cells.parse_params([], ["missing"], ns)


def test_explore_kinds_map_to_the_documented_requests():
    assert cells.explore_request("pca", "iris") == {
        "modulePath": "sklearn.decomposition", "class": "PCA",
        "classParameters": {"n_components": 2}, "method": "fit_transform",
        "methodParameters": {"X": "$iris"}}
    tsne = cells.explore_request("tsne", "iris", components=3)
    assert (tsne["modulePath"], tsne["class"], tsne["classParameters"]) == (
        "sklearn.manifold", "TSNE", {"n_components": 3})
    assert cells.explore_request("tsne", "iris", perplexity=5.0)["classParameters"] == {
        "n_components": 2, "perplexity": 5.0}
    kmeans = cells.explore_request("kmeans", "iris", clusters=4)
    assert kmeans["classParameters"] == {"n_clusters": 4, "n_init": "auto"}
    assert kmeans["method"] == "fit_predict" and kmeans["methodParameters"] == {"X": "$iris"}
    corr = cells.explore_request("correlation", "iris")
    assert corr == {"modulePath": "pandas", "class": "DataFrame",
                    "classParameters": {"data": "$iris"}, "method": "corr",
                    "methodParameters": {"numeric_only": True}}
    with pytest.raises(ValueError, match="unknown explore kind"):
        cells.explore_request("violin", "iris")


def test_split_list():
    assert cells.split_list(" LR, dt ,,RF ") == ["LR", "dt", "RF"]
    assert cells.split_list(None) == []


def test_tsne_perplexity_fits_small_datasets():
    assert cells.tsne_perplexity(24) == 23 / 3 and cells.tsne_perplexity(2) == 1.0
    assert cells.tsne_perplexity(1000) is None and cells.tsne_perplexity(None) is None
