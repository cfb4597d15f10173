"""Generated requests (valid and invalid) against every API operation: never a server error, and
the responses match what the OpenAPI document promises."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from submission_records import device_token, publish, territory

pytestmark = [pytest.mark.storage, pytest.mark.slow]


@pytest.fixture()
def api_schema(app, db, make_user):
    # Real rows for the generated ids to sometimes hit: a published questionnaire and communes.
    publish(db, versions=2)
    territory(db)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture()
def bearer(db, make_user):
    return {"Authorization": f"Bearer {device_token(db, make_user('enqueteur'))}"}


def test_api_never_fails_with_a_server_error(api_schema, bearer):
    # schemathesis' own pytest plugin is driven by hand: its lazy fixtures do not run on pytest 9.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # Revoking the token last, so that the other operations run authenticated.
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check_operation(case):
            case.call_and_validate(
                headers=bearer,
                checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
            )

        check_operation()
