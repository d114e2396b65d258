from pathlib import Path

import pytest

from lo_server import config


def test_flags_win_over_environment_which_wins_over_defaults():
    settings = config.from_env({"LO_WORKERS": "3", "LO_JOB_TIMEOUT": "12.5",
                                "LO_DATA_DIR": "/tmp/x"})
    assert (settings.workers, settings.job_timeout, settings.data_dir) == (3, 12.5, Path("/tmp/x"))
    assert settings.with_overrides(workers=5, port=None).workers == 5
    assert config.Settings().port == 8765 and config.Settings().host == "127.0.0.1"


def test_bad_values_name_the_variable():
    with pytest.raises(ValueError, match="LO_WORKERS='many'"):
        config.from_env({"LO_WORKERS": "many"})


@pytest.mark.parametrize("host, allowed", [("127.0.0.1", True), ("localhost", True),
                                           ("::1", True), ("0.0.0.0", False),
                                           ("192.168.1.4", False), ("example.org", False)])
def test_no_auth_only_on_loopback(host, allowed):
    settings = config.Settings(host=host, no_auth=True)
    if allowed:
        settings.check()
    else:
        with pytest.raises(ValueError, match="loopback"):
            settings.check()


def test_token_is_generated_persisted_and_private(tmp_path):
    first = config.resolve_token(config.Settings(data_dir=tmp_path))
    second = config.resolve_token(config.Settings(data_dir=tmp_path))
    assert first.token and first.token == second.token and len(first.token) >= 32
    assert (tmp_path / "token").stat().st_mode & 0o777 == 0o600
    assert config.resolve_token(config.Settings(data_dir=tmp_path, token="given")).token == \
        "given"


def test_secrets_are_scrubbed_from_the_environment(monkeypatch):
    monkeypatch.setenv("LO_TOKEN", "t")
    monkeypatch.setenv("LO_MONGO_URL", "mongodb://user:pw@host")
    config.scrub_secrets()
    import os

    assert "LO_TOKEN" not in os.environ and "LO_MONGO_URL" not in os.environ


def test_every_variable_is_documented_in_the_readme():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for variable, _ in config.describe():
        assert variable in readme, variable


def test_spark_settings_come_from_the_environment():
    settings = config.from_env({"LO_SPARK_MASTER": "spark://h:7077", "LO_SPARK_UI": "on",
                                "LO_SPARK_DRIVER_MEMORY": "2g",
                                "LO_SPARK_SHUFFLE_PARTITIONS": "8"})
    assert (settings.spark_master, settings.spark_ui, settings.spark_driver_memory,
            settings.spark_shuffle_partitions) == ("spark://h:7077", True, "2g", 8)
    assert config.from_env({"LO_SPARK_UI": "0"}).spark_ui is False
    assert config.Settings().spark_ui is False
    with pytest.raises(ValueError, match="LO_SPARK_UI='maybe' is not a valid boolean"):
        config.from_env({"LO_SPARK_UI": "maybe"})


def test_secrets_can_come_from_files(tmp_path, monkeypatch):
    """Docker secrets are files: LO_TOKEN_FILE and LO_MONGO_URL_FILE name them."""
    (tmp_path / "token").write_text("from-a-file\n")
    (tmp_path / "mongo").write_text("mongodb://user:pw@db:27017/?replicaSet=rs0")
    settings = config.from_env({"LO_TOKEN_FILE": str(tmp_path / "token"),
                                "LO_MONGO_URL_FILE": str(tmp_path / "mongo"),
                                "LO_ARTIFACTS_URL": "s3://bucket/prefix"})
    assert settings.token == "from-a-file"
    assert settings.mongo_url == "mongodb://user:pw@db:27017/?replicaSet=rs0"
    assert settings.artifacts_url == "s3://bucket/prefix"
    assert config.from_env({"LO_TOKEN": "direct", "LO_TOKEN_FILE": "/nowhere"}).token == "direct"
    with pytest.raises(ValueError, match="LO_TOKEN_FILE='/nowhere' cannot be read"):
        config.from_env({"LO_TOKEN_FILE": "/nowhere"})
    monkeypatch.setenv("LO_TOKEN_FILE", str(tmp_path / "token"))
    config.scrub_secrets()
    import os

    assert "LO_TOKEN_FILE" not in os.environ
