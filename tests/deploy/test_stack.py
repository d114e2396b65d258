"""The Swarm deploy files, checked offline: the stack as `docker stack config` resolves it
(no Docker engine needed), and deploy.sh against a stand-in `docker` that only records."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "server" / "deploy"
STACK_FILE = DEPLOY / "docker-stack.yml"
DEPLOY_SH = DEPLOY / "deploy.sh"

# Services that run user code or serve the engines: they never get the API token or the
# database's credentials (ARCHITECTURE.md, invariant 1).
UNTRUSTED = ("dask-worker", "dask-scheduler", "spark-master", "spark-worker")
SERVER_SECRETS = {"lo_token", "lo_mongo_url", "lo_mongo_root_password"}
SECRETISH_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY|_KEY$", re.I)
SECRETISH_VALUE = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
# a user and password inside a URL, unless both are shell variables filled in at run time
URL_CREDENTIALS = re.compile(r"://(?!\$)[^/\s:@]+:(?!\$)[^/\s@]+@")


def _docker() -> str:
    docker = shutil.which("docker")
    if docker is None:
        pytest.fail("the docker client is not on PATH: these tests need it (no engine needed) "
                    "to resolve server/deploy/docker-stack.yml with `docker stack config`")
    return docker


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the stack's knobs, so the defaults are checked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LO_", "DOCKER_"))}
    env.update(extra)
    return env


def stack_config(**knobs: str) -> dict:
    result = subprocess.run([_docker(), "stack", "config", "-c", str(STACK_FILE)],
                            capture_output=True, text=True, timeout=30, env=_clean_env(**knobs))
    assert result.returncode == 0, f"docker stack config failed:\n{result.stderr}"
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def stack() -> dict:
    return stack_config()


@pytest.fixture(scope="module")
def services(stack) -> dict:
    return stack["services"]


def _is_job(service: dict) -> bool:
    return service.get("deploy", {}).get("mode") in ("replicated-job", "global-job")


def _secrets_of(service: dict) -> set[str]:
    return {s if isinstance(s, str) else s["source"] for s in service.get("secrets", [])}


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def _command(service: dict) -> str:
    command = service.get("command", [])
    return " ".join(command) if isinstance(command, list) else command


def test_every_service_has_an_image_a_health_check_and_a_restart_policy(services):
    expected = {"api", "dask-scheduler", "dask-worker", "spark-master", "spark-worker",
                "mongo1", "mongo2", "mongo3", "mongo-init", "minio", "minio-init", "jupyter"}
    assert expected <= set(services)
    for name, service in services.items():
        assert service.get("image"), f"{name} has no image"
        health = service.get("healthcheck")
        assert health, f"{name} has no health check"
        policy = service.get("deploy", {}).get("restart_policy", {})
        if _is_job(service):  # a one-shot: its exit code is its health; retried on failure
            assert health.get("disable") is True, name
            assert policy.get("condition") == "on-failure", name
            assert policy.get("max_attempts"), f"{name} would be retried for ever"
        else:
            assert health.get("test") and not health.get("disable"), f"{name}: no health test"
            assert policy.get("condition") == "any", f"{name} has no restart policy"


def test_secrets_are_swarm_secrets_and_every_reference_exists(stack, services):
    declared = stack.get("secrets", {})
    assert declared, "the stack declares no secrets"
    for name, secret in declared.items():
        assert secret.get("external") is True or secret.get("file"), (
            f"secret {name} must be external or come from a file, never inline")
        assert not {"environment", "content"} & set(secret), name
    for name, service in services.items():
        missing = _secrets_of(service) - set(declared)
        assert not missing, f"{name} uses undeclared secrets {missing}"


def test_no_credentials_in_plain_text(stack, services):
    for name, service in services.items():
        mounted = _secrets_of(service)
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            if key.endswith("_FILE"):  # must name a secret this service mounts
                secret = value.removeprefix("/run/secrets/")
                assert secret in mounted, f"{name}: {key}={value} is not one of its secrets"
            else:
                assert not SECRETISH_NAME.search(key), f"{name}: {key} is set inline"
                assert not SECRETISH_VALUE.fullmatch(value), f"{name}: {key} looks like a key"
    for text in _strings(stack):
        assert not URL_CREDENTIALS.search(text), f"credentials in a URL: {text[:80]!r}"


def test_the_api_is_published_and_points_at_the_cluster(services):
    api = services["api"]
    assert any(p.get("target") == 8765 and p.get("published") for p in api["ports"])
    env = api["environment"]
    assert env["LO_HOST"] == "0.0.0.0" and env["LO_PORT"] == "8765"
    assert env["LO_TOKEN_FILE"] == "/run/secrets/lo_token"
    assert env["LO_MONGO_URL_FILE"] == "/run/secrets/lo_mongo_url"  # the replica set's URL
    assert env["LO_DASK_SCHEDULER"] == "tcp://dask-scheduler:8786"
    assert "--port 8786" in _command(services["dask-scheduler"])
    assert env["LO_SPARK_MASTER"] == "spark://spark-master:7077"
    assert "--port 7077" in _command(services["spark-master"])
    assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"
    bucket = re.fullmatch(r"s3://([^/]+)/\S+", env["LO_ARTIFACTS_URL"]).group(1)
    assert services["minio-init"]["environment"]["LO_BUCKET"] == bucket
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == "/run/secrets/lo_s3_credentials"
    assert api["deploy"]["replicas"] == 1  # the only writer of the metadata store
    assert "lo-server start" in _command(api)


def test_mongo_is_a_three_member_replica_set_with_a_key_file(services):
    for member in ("mongo1", "mongo2", "mongo3"):
        command = _command(services[member])
        assert "--replSet rs0" in command and "--keyFile /run/secrets/lo_mongo_keyfile" in command
        assert "lo_mongo_keyfile" in _secrets_of(services[member])
    init = _command(services["mongo-init"])
    for member in ("mongo1:27017", "mongo2:27017", "mongo3:27017"):
        assert member in init
    # only the first member creates the root user: rs.initiate refuses members holding data
    assert "MONGO_INITDB_ROOT_PASSWORD_FILE" in services["mongo1"]["environment"]
    assert not services["mongo2"].get("environment") and not services["mongo3"].get("environment")


def test_workers_are_bounded_scalable_and_hold_no_server_secrets(services):
    worker = services["dask-worker"]
    assert worker["deploy"]["replicas"] >= 1
    limits = worker["deploy"]["resources"]["limits"]
    assert limits.get("memory") and limits.get("cpus")
    command = _command(worker)
    assert command.startswith("dask worker tcp://dask-scheduler:8786")
    assert "--nthreads 1" in command and "--memory-limit" in command
    assert services["spark-worker"]["deploy"]["replicas"] >= 1
    for name in UNTRUSTED:
        service = services[name]
        assert not _secrets_of(service) & SERVER_SECRETS, f"{name} gets a server secret"
        env = service.get("environment") or {}
        assert not [k for k in env if k.startswith(("LO_TOKEN", "LO_MONGO_URL"))], name


def test_the_scaling_knobs_reach_the_stack():
    services = stack_config(LO_DASK_WORKERS="5", LO_SPARK_WORKERS="3",
                            LO_WORKER_CONTAINER_MEMORY="8G")["services"]
    assert services["dask-worker"]["deploy"]["replicas"] == 5
    assert services["spark-worker"]["deploy"]["replicas"] == 3
    assert int(services["dask-worker"]["deploy"]["resources"]["limits"]["memory"]) == 8 * 1024**3


# ---- deploy.sh ------------------------------------------------------------------------------

STAND_IN = """#!/usr/bin/env bash
# records each call; answers as a one-node swarm manager where nothing exists yet
echo "$*" >> "$DOCKER_CALLS"
case "$1 $2" in
  "info --format") echo "active true" ;;
  "node ls") [[ "$*" == *--filter* ]] || echo node-1 ;;
  "secret inspect") exit 1 ;;
  "stack deploy") echo "LO_IMAGE=$LO_IMAGE" >> "$DOCKER_CALLS" ;;
esac
exit 0
"""


def test_deploy_sh_is_valid_bash_and_explains_itself():
    subprocess.run(["bash", "-n", str(DEPLOY_SH)], check=True, timeout=10)
    result = subprocess.run([str(DEPLOY_SH), "--help"], capture_output=True, text=True,
                            timeout=10, env=_clean_env())
    assert result.returncode == 0
    for command in ("deploy", "status", "remove"):
        assert command in result.stdout
    assert subprocess.run([str(DEPLOY_SH), "nonsense"], capture_output=True,
                          timeout=10).returncode == 2


def test_deploy_sh_creates_the_stacks_secrets_labels_and_deploys(tmp_path, stack, services):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(STAND_IN)
    (bin_dir / "docker").chmod(0o755)
    calls, secrets_dir = tmp_path / "calls", tmp_path / "secrets"
    env = _clean_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                     DOCKER_CALLS=str(calls), LO_SECRETS_DIR=str(secrets_dir))
    result = subprocess.run([str(DEPLOY_SH), "deploy"], capture_output=True, text=True,
                            timeout=30, env=env)
    assert result.returncode == 0, result.stderr
    log = calls.read_text()

    created = set(re.findall(r"^secret create (\S+) ", log, re.M))
    assert created == set(stack["secrets"]), "deploy.sh and the stack disagree on secrets"
    for name in created:
        mode = stat.S_IMODE((secrets_dir / name).stat().st_mode)
        assert mode == 0o600, f"{name} is readable by others ({oct(mode)})"

    constraints = [c for s in services.values()
                   for c in s.get("deploy", {}).get("placement", {}).get("constraints", [])]
    needed = {m.group(1) for c in constraints if (m := re.match(r"node\.labels\.(\S+) == true", c))}
    added = set(re.findall(r"--label-add (\S+)=true", log))
    assert needed and needed <= added, f"a one-node swarm would lack labels {needed - added}"

    assert f"stack deploy --with-registry-auth -c {STACK_FILE} lo" in log
    assert "LO_IMAGE=lo-jupyter:0.1.0" in log

    # the server's MongoDB URL names every member and the set's name
    url = (secrets_dir / "lo_mongo_url").read_text().strip()
    found = re.fullmatch(r"mongodb://lo:[0-9a-f]{64}@([^/]+)/lo_jupyter\?(\S+)", url)
    assert found, url
    assert set(found.group(1).split(",")) == {"mongo1:27017", "mongo2:27017", "mongo3:27017"}
    assert "replicaSet=rs0" in found.group(2).split("&")
    credentials = (secrets_dir / "lo_s3_credentials").read_text()
    assert re.search(r"^aws_access_key_id = \S+$", credentials, re.M)
    assert re.search(r"^aws_secret_access_key = [0-9a-f]{64}$", credentials, re.M)
    assert 6 <= len((secrets_dir / "lo_mongo_keyfile").read_text().strip()) <= 1024

    # a second run keeps the values it generated
    before = url
    subprocess.run([str(DEPLOY_SH), "deploy"], capture_output=True, timeout=30, env=env,
                   check=True)
    assert (secrets_dir / "lo_mongo_url").read_text().strip() == before
