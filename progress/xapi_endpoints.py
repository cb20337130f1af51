"""/api/v1/xapi: recorded progress as xAPI 1.0.3 statements, for an LRS."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from config.api_schemas import REFUSALS

from . import xapi
from .endpoints import AUTH, LIMITED, LIMITED_HEADERS, limited
from .models import Cohort

router = Router(tags=["xapi"])


class StatementsQuery(Schema):
    cohort: uuid.UUID | None = Field(
        None, description="A cohort you train; without it, your own statements."
    )
    limit: int = Field(
        xapi.DEFAULT_LIMIT,
        ge=0,
        le=xapi.MAX_LIMIT,
        description="Statements per page; 0 for the largest page.",
    )
    cursor: str | None = Field(None, description="From the previous page's `more`.")


class StatementResultOut(Schema):
    statements: list[dict[str, Any]]
    more: str = Field(description="The next page's URL, or empty on the last page.")


class ErrorOut(Schema):
    detail: str


@router.get(
    "/statements",
    auth=AUTH,
    response={200: StatementResultOut, **REFUSALS, **LIMITED},
    summary="Export statements",
    openapi_extra={"responses": LIMITED_HEADERS},
)
def get_statements(request, response: HttpResponse, query: Query[StatementsQuery]):
    """Statements of a cohort (for its trainers) or of the learner calling,
    oldest first, as an xAPI StatementResult; follow `more` for the next page.
    Limited per user: beyond the limit, a 429 with Retry-After."""
    refusal = limited(
        request, response, group="api.xapi", rate=settings.PAMOJA_API_RATE_USER
    )
    if refusal:
        return refusal
    response["X-Experience-API-Version"] = xapi.VERSION
    try:
        if query.cohort is None:
            result = xapi.statements_for_learner(
                user=request.auth, limit=query.limit, cursor=query.cursor
            )
        else:
            cohort = (
                Cohort.objects.visible_to(request.auth).filter(pk=query.cohort).first()
            )
            if cohort is None:
                # 403 for a cohort that does not exist too, so that the answer
                # does not tell which cohorts exist. (Not 404: Django's
                # LocaleMiddleware redirects a 404 to a /<language>/ URL.)
                raise HttpError(403, _("This is not a cohort you train."))
            result = xapi.statements_for_cohort(
                cohort=cohort, limit=query.limit, cursor=query.cursor
            )
    except xapi.CursorError as exc:
        raise HttpError(400, _("The cursor is not valid: start again.")) from exc
    more = ""
    if result.next_cursor:
        params = {"limit": query.limit, "cursor": result.next_cursor}
        if query.cohort:
            params = {"cohort": str(query.cohort), **params}
        more = f"{request.path}?{urlencode(params)}"
    return StatementResultOut(statements=result.statements, more=more)
