"""Generated input against every operation of the OpenAPI document (schemathesis).

Each operation gets FUZZ_EXAMPLES generated cases (valid and invalid data), sent to the
app in-process as the role that may call it, and every check schemathesis has runs on
the answer: no 5xx, status codes, content types, headers and bodies as documented, invalid
data refused, valid data accepted, auth not ignored. `.ci/run` runs it as its own step.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from coursework import create_app
from coursework.extensions import api
from coursework.organisations import services as organisations
from coursework.organisations import tokens
from tests.support.clients import RequestContextClient

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))


def _document() -> dict:
    """The OpenAPI document, read once at collection from an app of its own (no database
    is touched); requests go to the test session's app."""
    with create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"}).app_context():
        return api.spec.to_dict()


schema = schemathesis.openapi.from_dict(_document())
# A body over MAX_CONTENT_LENGTH is refused with 413 before it is read: as much a rejection
# of invalid (oversized) data as a 422, so the negative-data check counts it as one.
_rejection = schema.config.checks.negative_data_rejection
_rejection.expected_statuses = [*_rejection.expected_statuses, "413"]
CASES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_case_counts():
    """How many cases each operation got, on stderr and in $FUZZ_REPORT (for .ci/run)."""
    yield
    report = {"operations": len(CASES), "cases": sum(CASES.values()), "per_operation": CASES}
    print(f"\nschemathesis: {report['cases']} cases over {report['operations']} operations")
    if os.environ.get("FUZZ_REPORT"):
        with open(os.environ["FUZZ_REPORT"], "w") as file:
            json.dump(report, file, indent=1, sort_keys=True)


@pytest.fixture
def credentials(app, make_user, login, make_quiz):
    """An instructor who also manages an organisation, signed in; and its API token."""
    make_quiz()
    person = make_user(is_instructor=True)
    org = organisations.create_organisation("Acme", person)
    secret = tokens.create_token(org, person, "fuzz", can_write=True).secret
    app.test_client_class = RequestContextClient
    client = app.test_client()
    login(client, person)
    cookie = client.get_cookie("session").value
    return {"cookie": f"session={cookie}", "bearer": f"Bearer {secret}"}


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests(app, case, credentials):
    headers = {"Cookie": credentials["cookie"]}
    if "/organisations" in case.path:
        headers = {"Authorization": credentials["bearer"]}
    # Every request, including the checks' own probes, goes to the session's app.
    case.operation.schema.app = case.operation.app = app
    CASES[case.operation.label] += 1
    case.call_and_validate(headers=headers)
