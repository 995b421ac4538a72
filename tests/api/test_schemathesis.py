"""Property-based conformance of the HTTP API to its own OpenAPI document.

schemathesis generates requests for every operation in ``/openapi.json``
(bounded examples per operation), sends them to the app in process with an
admin key, and checks that nothing answers 5xx and that every response
matches the schema documented for its status code.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api, make_api

EXAMPLES_PER_OPERATION = 25
#: Operations left out, and why.
NOT_GENERATED = {
    # Fetches whatever URL it is given from the internet: generated URLs would leave
    # loopback. Its refusals and previews are tested on a local page server
    # (tests/preview, tests/security/test_ssrf.py).
    "POST /v1/previews",
}


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def conformance_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    home: Path = tmp_path_factory.mktemp("schemathesis")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LINKGATE_HOME", str(home))
        api_gen = make_api(home)
        api = next(api_gen)
        deadline = time.monotonic() + 60
        while api.client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the app never became ready"
            time.sleep(0.2)
        yield api
        api_gen.close()


def _note(found: list[str], text: str) -> None:
    """Keep one example per operation and kind of failure."""
    kind = text.partition("\n")[0][:120]
    if not any(f.startswith(kind) for f in found):
        found.append(text)


def _failures(api: Api, operation: Any, statuses: Counter[int]) -> list[str]:
    """The distinct failures schemathesis finds for one operation (empty when it conforms)."""
    found: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: schemathesis.Case) -> None:
        try:
            response = case.call(headers=api.headers("admin"))
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                _note(found, f"{operation.label}: {failure.title}: {str(failure)[:1500]}")
        except Exception as exc:  # an exception escaping the app would be a 500
            _note(found, f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}")

    run()
    return found


def test_api_conforms_to_its_schema(conformance_api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", conformance_api.app)
    operations = [
        operation
        for operation in (result.ok() for result in schema.get_all_operations())
        if operation.label not in NOT_GENERATED
    ]
    assert len(operations) >= 40
    statuses: Counter[int] = Counter()
    failures = [
        f for operation in operations for f in _failures(conformance_api, operation, statuses)
    ]
    assert not failures, "\n\n".join(failures)
    # The run reached the handlers, not only the validation layer.
    assert statuses.total() >= 2 * len(operations), statuses
    assert sum(n for status, n in statuses.items() if status < 300) >= len(operations), statuses


@pytest.mark.parametrize("path", ["/v1/audit?after=", "/v1/platforms/jd/credit?offset="])
def test_positions_past_64_bits_are_invalid_requests(conformance_api: Api, path: str) -> None:
    """Found by schemathesis: a sequence number past 64 bits reached the store and raised."""
    response = conformance_api.client.get(
        path + str(2**64), headers=conformance_api.headers("admin")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (
        conformance_api.client.get(
            path + str(2**63 - 1), headers=conformance_api.headers("admin")
        ).status_code
        == 200
    )


def test_the_schema_documents_problem_responses(conformance_api: Api) -> None:
    spec = conformance_api.client.get("/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"]
    for operations in spec["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            assert "application/problem+json" in responses["default"]["content"]
            pages = any("text/html" in r.get("content", {}) for r in responses.values())
            assert ("text/html" in responses["default"]["content"]) == pages
            if "422" in responses:
                assert list(responses["422"]["content"]) == ["application/problem+json"]
