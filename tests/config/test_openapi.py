"""The OpenAPI schema generates without warnings and validates (OpenAPI 3)."""

from django.core.management import call_command


def test_schema_is_valid_and_warning_free(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/persons/", "/api/v1/regions/{code}/policy/", "/api/v1/jobs/{job_id}/"):
        assert path in text
