"""Where the server extension finds the orchestration server: traits, then LO_URL/LO_TOKEN,
then the embedded server's server.json."""

from __future__ import annotations

import json

import pytest
from traitlets.config import Config

from lo_jupyter.serverext.connection import NotConfigured, OrchestraConnection, base_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for var in ("LO_URL", "LO_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LO_DATA_DIR", str(tmp_path / "data"))


def write_server_file(directory, url="http://127.0.0.1:9999", token="file-token"):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "server.json").write_text(json.dumps({"url": url, "token": token, "pid": 1}))


def test_config_traits_win_over_environment_and_server_file(monkeypatch, tmp_path):
    monkeypatch.setenv("LO_URL", "http://env:1")
    monkeypatch.setenv("LO_TOKEN", "env-token")
    write_server_file(tmp_path / "data")
    config = Config({"OrchestraConnection": {"url": "http://conf:2/", "token": "conf-token"}})
    target = OrchestraConnection(config=config).resolve()
    assert (target.url, target.token, target.source) == ("http://conf:2", "conf-token", "config")
    assert target.api == "http://conf:2/api/learningOrchestra/v1"
    assert target.headers == {"Authorization": "Bearer conf-token"}


def test_environment_comes_next(monkeypatch, tmp_path):
    monkeypatch.setenv("LO_URL", "http://env:1/api/learningOrchestra/v1/")
    monkeypatch.setenv("LO_TOKEN", "env-token")
    write_server_file(tmp_path / "data")
    target = OrchestraConnection().resolve()
    assert (target.url, target.token, target.source) == ("http://env:1", "env-token",
                                                         "environment")


def test_the_embedded_server_file_is_the_default(tmp_path):
    write_server_file(tmp_path / "data")
    target = OrchestraConnection().resolve()
    assert (target.url, target.token) == ("http://127.0.0.1:9999", "file-token")
    assert target.source == str(tmp_path / "data" / "server.json")


def test_data_dir_trait_wins_over_lo_data_dir(tmp_path):
    write_server_file(tmp_path / "other", url="http://other:3")
    connection = OrchestraConnection(data_dir=str(tmp_path / "other"))
    assert connection.resolve().url == "http://other:3"


def test_a_server_without_token_sends_no_header(tmp_path):
    write_server_file(tmp_path / "data", token="")
    assert OrchestraConnection().resolve().headers == {}


def test_nothing_running_says_how_to_start_a_server(tmp_path):
    with pytest.raises(NotConfigured, match="lo-server start"):
        OrchestraConnection().resolve()


@pytest.mark.parametrize("content", ["{not json", json.dumps(["a list"]),
                                     json.dumps({"token": "no url"})])
def test_a_broken_server_file_is_named(tmp_path, content):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "server.json").write_text(content)
    with pytest.raises(NotConfigured, match="server.json"):
        OrchestraConnection().resolve()


def test_base_url_accepts_the_api_prefix_and_slashes():
    assert base_url(" http://h:1/api/learningOrchestra/v1/ ") == "http://h:1"
    assert base_url("http://h:1/") == "http://h:1"
