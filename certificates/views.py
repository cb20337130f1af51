"""Certificate pages: what learners download, what trainers manage, and the
public documents anyone needs to check a credential (DID document, status
lists, credentials)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from progress.models import Cohort, CohortMembership, Enrolment

from . import api, audit, did
from .models import Certificate

JSON_LD = "application/ld+json"


def _json(document: dict) -> JsonResponse:
    response = JsonResponse(
        document, content_type=JSON_LD, json_dumps_params={"ensure_ascii": False}
    )
    # Verifiers run in other origins' browsers.
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- Public documents --------------------------------------------------------


@require_GET
@cache_control(public=True, max_age=300)
def did_document(request):
    return _json(did.did_document())


@require_GET
@cache_control(public=True, max_age=60)
def status_list(request, number: int):
    credential = api.status_list_credential(number)
    if credential is None:
        raise Http404
    return _json(credential)


@require_GET
@cache_control(public=True, max_age=60)
def credential(request, certificate_id: uuid.UUID):
    """The signed credential: public to whoever holds its unguessable id."""
    certificate = get_object_or_404(Certificate, pk=certificate_id)
    response = _json(certificate.credential)
    if request.GET.get("download"):
        response["Content-Disposition"] = (
            f'attachment; filename="pamoja-{certificate.code}.json"'
        )
    return response


# --- Learners ----------------------------------------------------------------


@login_required
@require_GET
def pdf(request, certificate_id: uuid.UUID):
    certificate = get_object_or_404(Certificate, pk=certificate_id)
    if not _may_see(request.user, certificate):
        raise Http404
    if not certificate.is_rendered:
        messages.info(request, _("Your certificate is still being prepared."))
        return redirect("progress:dashboard")
    try:
        file = certificate.pdf.open("rb")
    except FileNotFoundError:
        # Deleted with the holder's account, who revoked it (accounts.privacy).
        raise Http404 from None
    return FileResponse(
        file,
        as_attachment=True,
        filename=f"pamoja-{certificate.code}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def claim(request, enrolment_id: uuid.UUID):
    """Ask again for a certificate that could not be issued on completion."""
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id, user=request.user)
    try:
        api.issue_certificate(enrolment=enrolment)
    except api.IssueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your certificate is being prepared."))
    return redirect("progress:dashboard")


def _may_see(user, certificate: Certificate) -> bool:
    return certificate.user_id == user.pk or _may_manage(user, certificate)


# --- Trainers ----------------------------------------------------------------


def _may_manage(user, certificate: Certificate) -> bool:
    """A superuser, or a trainer of a cohort the learner is in for this course."""
    if user.is_superuser:
        return True
    if certificate.user_id is None:
        # The holder deleted their account: no cohort holds them any more (and
        # a filter on None would match every cohort without members).
        return False
    cohorts = Cohort.objects.visible_to(user).filter(
        memberships__user_id=certificate.user_id
    )
    return any(str(certificate.course_key) in c.course_keys for c in cohorts)


def _managed(request, certificate_id) -> Certificate:
    certificate = get_object_or_404(
        Certificate.objects.select_related("user"), pk=certificate_id
    )
    if not _may_manage(request.user, certificate):
        raise Http404
    return certificate


@login_required
def cohort_certificates(request, cohort_id: uuid.UUID):
    cohort = get_object_or_404(Cohort.objects.visible_to(request.user), pk=cohort_id)
    members = (
        CohortMembership.objects.filter(cohort=cohort)
        .select_related("user")
        .order_by("user__name", "user__username")
    )
    users = [m.user for m in members]
    course_keys = [uuid.UUID(k) for k in cohort.course_keys]
    certificates = {
        (c.user_id, c.course_key): c
        for c in Certificate.objects.filter(user__in=users, course_key__in=course_keys)
        .exclude(status=Certificate.Status.SUPERSEDED)
        .order_by("issued_at")
    }
    completed = set(
        Enrolment.objects.filter(user__in=users, course_key__in=course_keys)
        .completed()
        .values_list("user_id", "course_key")
    )
    titles = api.course_titles(course_keys)
    verified = audit.counts_by_certificate([c.pk for c in certificates.values()])
    rows = [
        {
            "user": user,
            "course_key": key,
            "course": titles.get(key, ""),
            "certificate": certificates.get((user.pk, key)),
            "completed": (user.pk, key) in completed,
        }
        for user in users
        for key in course_keys
    ]
    for row in rows:
        if row["certificate"] is not None:
            # (times, last at), or None: never verified (within the log's retention)
            row["verified"] = verified.get(row["certificate"].pk)
    return render(
        request,
        "certificates/cohort_certificates.html",
        {"cohort": cohort, "rows": rows},
    )


@login_required
@require_POST
def issue(request, cohort_id: uuid.UUID):
    cohort = get_object_or_404(Cohort.objects.visible_to(request.user), pk=cohort_id)
    back = reverse("certificates:cohort", args=[cohort.pk])
    user_id = request.POST.get("user", "")
    # Not a 64-bit number: no such learner (the query would fail with a 500).
    membership = (
        CohortMembership.objects.filter(cohort=cohort, user_id=user_id).first()
        if user_id.isascii() and user_id.isdigit() and len(user_id) < 19
        else None
    )
    course_key = request.POST.get("course", "")
    if membership is None or course_key not in cohort.course_keys:
        messages.error(request, _("Choose a learner and a course of this cohort."))
        return redirect(back)
    enrolment, _created = Enrolment.objects.get_or_create(
        user=membership.user, course_key=course_key
    )
    try:
        certificate = api.issue_certificate(enrolment=enrolment, issued_by=request.user)
    except api.IssueError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Certificate %(code)s issued.") % {"code": certificate.code}
        )
    return redirect(back)


@login_required
@require_POST
def revoke(request, certificate_id: uuid.UUID):
    certificate = _managed(request, certificate_id)
    try:
        api.revoke_certificate(
            certificate=certificate,
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
    except api.IssueError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Certificate %(code)s revoked.") % {"code": certificate.code}
        )
    return redirect(_back(request))


@login_required
@require_POST
def reissue(request, certificate_id: uuid.UUID):
    certificate = _managed(request, certificate_id)
    try:
        new = api.reissue_certificate(
            certificate=certificate,
            by=request.user,
            name=request.POST.get("name", ""),
        )
    except api.IssueError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Certificate %(old)s replaced by %(new)s.")
            % {"old": certificate.code, "new": new.code},
        )
    return redirect(_back(request))


def _back(request) -> str:
    cohort = request.POST.get("cohort", "")
    try:
        return reverse("certificates:cohort", args=[uuid.UUID(cohort)])
    except ValueError:
        return reverse("progress:cohorts")
