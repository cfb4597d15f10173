"""The API describes itself: a valid OpenAPI 3 document listing the sync endpoints."""

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_lists_the_sync_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "post" in paths["/api/v1/submissions"]
    assert "get" in paths["/api/v1/questionnaires/{questionnaire_id}/versions/{number}"]
    body = document["components"]["schemas"]["SubmissionIn"]
    assert {"uuid", "questionnaire_id", "version", "answers", "profile", "consent"} <= set(
        body["required"]
    )
    assert "jetonAppareil" in document["components"]["securitySchemes"]
