"""Response schemas every API router shares (kept apart from config.api,
which imports the routers)."""

from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: str = Field(description="What was wrong, in the client's language.")


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]] = Field(
        description="One entry per field the request body or query got wrong."
    )


# The refusals any endpoint may answer, documented in the schema: 400 a body
# that is not JSON, 401 no credentials, 403 a session without its CSRF token
# (or a cohort that is not the caller's), 422 a body or query that fails
# validation.
REFUSALS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}
