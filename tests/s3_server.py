"""A real S3-compatible server on loopback for the shared-storage tests: moto's server mode,
in a thread of the test process. Clients reach it over HTTP through the standard AWS_*
variables (`env`), exactly as lo-server and its workers reach MinIO or S3 in a cluster."""

from __future__ import annotations

import logging
import uuid

import pytest


class S3Server:
    def __init__(self):
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "lo-test",
            "AWS_SECRET_ACCESS_KEY": "lo-test-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def client(self):
        """A boto3 client, to look into the bucket independently of the code under test."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="lo-test", aws_secret_access_key="lo-test-secret")

    def new_bucket(self) -> str:
        name = f"lo-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                         Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def stop(self) -> None:
        self._server.stop()


@pytest.fixture(scope="module")
def s3():
    """The server, with its AWS_* variables set in this process for the module's tests."""
    import os

    server = S3Server()
    saved = {key: os.environ.get(key) for key in server.env}
    os.environ.update(server.env)
    yield server
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    server.stop()
