"""Fuzzing the API from its own OpenAPI document (schemathesis), with the token.

Provokes: every parameter and body shape the schema allows, and many it does not.
Nothing lost means: no 5xx, every status and body is one the document declares, and the
server keeps serving.

Routes that make the server or a worker reach out (dataset URLs, function code given as a
URL) or import modules named in the body (model, train, transform, explore, builder) are
left out: generated URLs would send traffic off this machine, and generated module names
would import arbitrary modules. The table-driven bad-request tests cover those routes.
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SAFE_WRITES = re.compile(r"/observe/\{name\}/cancel$|/dataset/csv/\{name\}$")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def fuzzed(operation) -> bool:
    if operation.path.endswith("/observe/events"):  # an endless stream
        return False
    return operation.method.upper() in ("GET", "DELETE") or bool(
        SAFE_WRITES.search(operation.path))


@pytest.mark.slow
def test_no_server_errors_and_conforming_responses(server, api):
    auth = {"Authorization": f"Bearer {server.token}"}
    loaded = schemathesis.openapi.from_url(f"{server.api}/openapi.json", headers=auth)
    loaded.config.update(base_url=server.url)
    operations = [result.ok() for result in loaded.get_all_operations()]
    tested = [op for op in operations if fuzzed(op)]
    assert len(tested) >= 10

    for operation in tested:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=auth, timeout=30, checks=CHECKS)

        check()
    assert api.get("/health").status_code == 200
