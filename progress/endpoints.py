"""/api/v1/progress: the offline client's sync endpoint and its token."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer, SessionAuth
from pydantic import ValidationError

from config import limits
from config.api_schemas import REFUSALS, ErrorOut

from . import api, tokens

router = Router(tags=["progress"])


class DeviceTokenAuth(HttpBearer):
    """``Authorization: Bearer pmj_…``, a token from POST /progress/tokens."""

    def authenticate(self, request, token):
        user = tokens.user_for_token(token)
        if user is not None:
            request.user = user
        return user


class LearnerSession(SessionAuth):
    """The learner's browser session; unsafe methods need the CSRF token."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user and user.is_active else None


AUTH = [DeviceTokenAuth(), LearnerSession(csrf=True)]


# --- Rate limits: per learner, token and session alike -------------------------

LIMITED = {429: ErrorOut}
# The header of the 429, for the schema (ninja documents bodies only).
LIMITED_HEADERS = {
    429: {
        "headers": {
            "Retry-After": {
                "description": "Seconds until the limit resets.",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    }
}


def limited(request, response: HttpResponse, *, group: str, rate: str):
    """Count this request of the learner's; a 429 to return if over ``rate``."""
    wait = limits.wait_seconds(request, group=group, rate=rate, key=request.auth.pk)
    if wait is None:
        return None
    response["Retry-After"] = str(wait)
    return Status(429, ErrorOut(detail=limits.api_limited_message(wait)))


class EventIn(Schema):
    id: uuid.UUID = Field(description="Made by the client; replaying it is harmless.")
    type: Literal["lesson_viewed", "lesson_completed", "quiz_submitted"]
    object: uuid.UUID = Field(
        description="The lesson's (or, for a quiz, the module's) translation key."
    )
    occurred_at: datetime = Field(description="When it happened on the device.")
    answers: dict[str, list[str]] | None = Field(
        None, description="quiz_submitted only: question key → chosen option ids."
    )


class BatchIn(Schema):
    events: list[dict[str, Any]] = Field(
        ...,
        min_length=1,
        max_length=api.MAX_BATCH,
        description="1 to 100 events, each an EventIn; invalid ones are reported "
        "one by one while the valid ones are recorded.",
    )


class OutcomeOut(Schema):
    id: str | None
    status: Literal["recorded", "duplicate", "invalid"]
    reason: str = ""
    errors: dict[str, list[str]] = {}
    score: int | None = None
    total: int | None = None
    passed: bool | None = None


class BatchOut(Schema):
    recorded: int
    duplicates: int
    invalid: int
    results: list[OutcomeOut]


@router.post(
    "/events",
    auth=AUTH,
    response={200: BatchOut, **REFUSALS, **LIMITED},
    summary="Record a batch",
    openapi_extra={"responses": LIMITED_HEADERS},
)
def post_events(request, response: HttpResponse, batch: BatchIn):
    """Record lesson views, completions and quiz answers made on the device.
    Limited per learner: beyond the limit, a 429 with Retry-After."""
    refusal = limited(
        request, response, group="api.events", rate=settings.PAMOJA_API_RATE_USER
    )
    if refusal:
        return refusal
    parsed: list[api.Event | OutcomeOut] = []
    for raw in batch.events:
        try:
            event = EventIn.model_validate(raw)
        except ValidationError as exc:
            parsed.append(_refusal(raw, exc))
            continue
        if event.occurred_at.tzinfo is None:
            parsed.append(_refused(raw, _("occurred_at needs a time zone offset.")))
            continue
        parsed.append(
            api.Event(
                id=event.id,
                kind=event.type,
                object_key=event.object,
                occurred_at=event.occurred_at,
                answers=event.answers,
            )
        )
    events = [e for e in parsed if isinstance(e, api.Event)]
    outcomes = iter(api.record_events(user=request.auth, events=events))
    results = [
        _outcome_out(next(outcomes)) if isinstance(e, api.Event) else e for e in parsed
    ]
    return BatchOut(
        recorded=sum(r.status == "recorded" for r in results),
        duplicates=sum(r.status == "duplicate" for r in results),
        invalid=sum(r.status == "invalid" for r in results),
        results=results,
    )


def _refused(raw, reason: str) -> OutcomeOut:
    event_id = raw.get("id") if isinstance(raw, dict) else None
    return OutcomeOut(
        id=str(event_id) if event_id else None, status="invalid", reason=reason
    )


def _refusal(raw, exc: ValidationError) -> OutcomeOut:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'event'}: {err['msg']}"
        for err in exc.errors()
    )
    return _refused(raw, _("Malformed event: %(problems)s") % {"problems": problems})


def _outcome_out(outcome: api.Outcome) -> OutcomeOut:
    result = outcome.result
    return OutcomeOut(
        id=str(outcome.id),
        status=outcome.status,
        reason=outcome.reason,
        errors=outcome.errors,
        score=result.score if result else None,
        total=result.total if result else None,
        passed=result.passed if result else None,
    )


class TokenIn(Schema):
    label: str = Field("", max_length=100, description="Which device, for the learner.")


class TokenOut(Schema):
    token: str


@router.post(
    "/tokens",
    auth=LearnerSession(csrf=True),
    response={201: TokenOut, **REFUSALS, **LIMITED},
    summary="Issue a device token",
    openapi_extra={"responses": LIMITED_HEADERS},
)
def post_token(request, response: HttpResponse, body: TokenIn):
    """A token for the offline client, shown once. Needs a logged-in session.
    Limited per learner: beyond the limit, a 429 with Retry-After."""
    refusal = limited(
        request, response, group="api.tokens", rate=settings.PAMOJA_API_TOKEN_RATE
    )
    if refusal:
        return refusal
    return Status(
        201, TokenOut(token=tokens.issue_token(user=request.auth, label=body.label))
    )
