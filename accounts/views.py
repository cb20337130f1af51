"""The learner's own settings, the download of their data and the deletion of
their account: plain forms that work without JavaScript."""

import json
import math
import time

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET
from django_ratelimit.core import get_usage

from config import limits

from . import privacy
from .forms import DeleteAccountForm, ProfileForm

# Wrong passwords on the deletion form, per account: a stolen session must
# not become a way to guess the password.
DELETE_RATE = "5/5m"


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        language = user.preferred_language or translation.get_language()
        with translation.override(language):
            messages.success(request, _("Your settings are saved."))
            # A new language takes effect at once: the page comes back in it.
            return redirect(reverse("account_profile"))
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_GET
@never_cache
def data_export(request):
    """Everything Pamoja holds about the learner, as a JSON download."""
    data = privacy.export_data(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"pamoja-data-{request.user.username}.json"
    )
    return response


@login_required
@never_cache
@sensitive_post_parameters("password")
def delete_account(request):
    """Confirm with the password, choose what becomes of the certificates."""
    user = request.user
    refused = privacy.self_deletion_refused(user)
    form = DeleteAccountForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST" and refused is None:
        if _is_locked_out(request):
            form.add_error(None, _("Too many wrong passwords. Try again later."))
            status = 429
        elif not form.is_valid():
            if "password" in form.errors:
                _count_wrong_password(request)
        else:
            privacy.delete_account(
                user=user, revoke_certificates=form.revoke_certificates
            )
            logout(request)
            messages.success(request, _("Your account and your data are deleted."))
            return redirect(reverse("wagtail_serve", args=[""]))
    context = {"form": form, "refused": refused}
    return render(request, "accounts/delete.html", context, status=status)


def _usage(request, *, increment: bool) -> dict | None:
    return get_usage(
        request,
        group="accounts.delete",
        key="user",
        rate=DELETE_RATE,
        increment=increment,
    )


def _is_locked_out(request) -> bool:
    usage = _usage(request, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def _count_wrong_password(request) -> None:
    _usage(request, increment=True)


# --- Too many requests: allauth's 429 ------------------------------------------

# The account pages allauth limits (ACCOUNT_RATE_LIMITS) with a 429, by URL
# name: the limit's action, and what its per-key rates count by.
ALLAUTH_ACTIONS = {
    "account_login": ("login", None),
    "account_signup": ("signup", None),
    "account_reset_password": ("reset_password", "email"),
    "account_reset_password_from_key": ("reset_password_from_key", None),
    "account_change_password": ("change_password", None),
    "account_set_password": ("change_password", None),
    "account_email": ("manage_email", None),
}


def too_many_requests(request):
    """allauth's 429 page (``handler429`` in the root URLconf): what happened
    and, where the limit is known, how long to wait."""
    wait = _allauth_wait(request)
    context = {"wait_minutes": limits.minutes(wait) if wait else None}
    response = render(request, "429.html", context, status=429)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def _allauth_wait(request) -> int | None:
    """Seconds until allauth lets this request through, from its counters
    (allauth's internals: the wait is a courtesy, so any surprise there
    gives None, and the page says to wait a little)."""
    match = request.resolver_match
    action, key_field = ALLAUTH_ACTIONS.get(match.url_name if match else "", ("", ""))
    if not action:
        return None
    try:
        from allauth.core.internal import ratelimit

        key = request.POST.get(key_field, "").lower() if key_field else ""
        now = time.time()
        waits = []
        for rate in ratelimit.get_rates(app="allauth.account", action=action):
            if (rate.per == "key" and not key) or (
                rate.per == "user" and not request.user.is_authenticated
            ):
                continue
            cache_key = ratelimit.get_cache_key(
                request, app="allauth.account", action=action, rate=rate, key=key
            )
            history = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
            if len(history) >= rate.amount:  # newest first
                waits.append(history[rate.amount - 1] + rate.duration - now)
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    return max(1, math.ceil(max(waits))) if waits else None
