"""Finding the server: arguments, LO_URL/LO_TOKEN, then a live local server's server.json."""

import json
import os

import pytest

from lo_jupyter import connection


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for variable in ("LO_URL", "LO_TOKEN", "LO_TOKEN_FILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LO_DATA_DIR", str(tmp_path / "empty"))
    return monkeypatch


@pytest.mark.parametrize("url, expected", [
    ("http://h:1", "http://h:1"),
    ("http://h:1/", "http://h:1"),
    ("http://h:1/api/learningOrchestra/v1", "http://h:1"),
    (" https://h/api/learningOrchestra/v1/ ", "https://h"),
])
def test_normalise_url(url, expected):
    assert connection.normalise_url(url) == expected


def test_normalise_url_refuses_other_schemes():
    with pytest.raises(ValueError, match="not an http"):
        connection.normalise_url("ftp://h")


def test_arguments_win_over_environment(clean_env):
    clean_env.setenv("LO_URL", "http://env:1")
    clean_env.setenv("LO_TOKEN", "envtoken")
    assert connection.resolve("http://arg:2", "argtoken") == ("http://arg:2", "argtoken")
    assert connection.resolve() == ("http://env:1", "envtoken")


def test_token_from_a_file(clean_env, tmp_path):
    """Docker secrets are files: LO_TOKEN_FILE names one; LO_TOKEN still wins."""
    (tmp_path / "token").write_text("filetoken\n")
    clean_env.setenv("LO_URL", "http://env:1")
    clean_env.setenv("LO_TOKEN_FILE", str(tmp_path / "token"))
    assert connection.resolve() == ("http://env:1", "filetoken")
    clean_env.setenv("LO_TOKEN", "envtoken")
    assert connection.resolve() == ("http://env:1", "envtoken")
    clean_env.delenv("LO_TOKEN")
    clean_env.setenv("LO_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="LO_TOKEN_FILE=.* cannot be read"):
        connection.resolve()


def test_no_server_anywhere_says_what_to_do(clean_env):
    with pytest.raises(LookupError, match="%lo_connect"):
        connection.resolve()


def test_live_local_server_is_found_and_its_token_used(clean_env, server):
    clean_env.setenv("LO_DATA_DIR", str(server.data_dir))
    assert connection.running_server()["pid"] == server.process.pid
    assert connection.resolve() == (server.url, server.token)
    # its URL given explicitly without a token: the local token is used as well
    assert connection.resolve(server.url) == (server.url, server.token)
    assert connection.resolve(server.url, "other") == (server.url, "other")


def test_start_local_reuses_a_running_server(server):
    info = connection.start_local(server.data_dir)
    assert info["started"] is False and info["url"] == server.url


def test_stale_server_file_is_ignored(clean_env, tmp_path):
    directory = tmp_path / "stale"
    directory.mkdir()
    dead = {"url": "http://127.0.0.1:9", "token": "t", "pid": 2**22 + 12345}
    (directory / "server.json").write_text(json.dumps(dead))
    assert connection.running_server(directory) is None
    alive_but_silent = {**dead, "pid": os.getpid()}  # a live pid where nothing answers
    (directory / "server.json").write_text(json.dumps(alive_but_silent))
    assert connection.running_server(directory) is None
    (directory / "server.json").write_text("{not json")
    assert connection.running_server(directory) is None
