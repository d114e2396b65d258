import pandas as pd

from lo_server import artifacts


def test_objects_round_trip_including_functions(tmp_path):
    obj = {"f": lambda x: x + 1, "n": [1, 2]}
    assert artifacts.save_object(tmp_path, "a", obj) == "pickle"
    back = artifacts.load_object(tmp_path, "a", "pickle")
    assert back["f"](1) == 2 and back["n"] == [1, 2]


def test_a_new_format_replaces_the_old_file(tmp_path):
    artifacts.save_object(tmp_path, "a", [1])
    assert artifacts.save_object(tmp_path, "a", pd.DataFrame({"x": [1]})) == "parquet"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["data.parquet"]
    assert artifacts.load_object(tmp_path, "a", "parquet")["x"].tolist() == [1]


def test_atomic_path_leaves_nothing_behind_on_failure(tmp_path):
    dest = tmp_path / "a" / "object.pkl"
    try:
        with artifacts.atomic_path(dest) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("crash while writing")
    except RuntimeError:
        pass
    assert not dest.exists() and list((tmp_path / "a").iterdir()) == []


def test_generic_files_open_as_binary_and_remove_cleans_up(tmp_path):
    path = artifacts.artifact_file(tmp_path, "g", "binary")
    path.parent.mkdir()
    path.write_bytes(b"\x01\x02")
    with artifacts.load_object(tmp_path, "g", "binary") as handle:
        assert handle.read() == b"\x01\x02"
    artifacts.remove(tmp_path, "g")
    assert not (tmp_path / "g").exists()
