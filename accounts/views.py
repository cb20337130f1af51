"""The learner's own settings, the download of their data and the deletion of
their account: plain forms that work without JavaScript."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.core import get_usage

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
