"""Cohort pages: a learner joining with a code, and the trainer's pages
(cohorts, class lists, reports, CSV exports). Plain forms, no JavaScript.

A trainer sees only the cohorts they run (a superuser sees all); any other
cohort, and every trainer page for someone who runs none, is a 404, so the
pages do not even confirm that a cohort exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import get_language_bidi, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Locale

from config import limits
from courses.models import CoursePage

from . import api, cohorts, reports, structure, uploads
from .models import Cohort, CohortMembership, Organisation

USED_CLASS_LISTS = "progress_used_class_lists"


# --- A learner joins ---------------------------------------------------------


class JoinForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Join code"),
        max_length=20,
        help_text=gettext_lazy(
            "8 letters and digits from your trainer, like K7Q3-9M2X."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )


def join(request):
    """Join a cohort by code. Anyone may fill in the code; a visitor who is
    not logged in is sent to sign up (or log in) and comes back here.

    Wrong codes are limited per account and per address (``_join_wait``):
    once the budget is spent every code is refused until the window passes,
    the right one too, or guessing would cost nothing."""
    form = JoinForm(request.POST or None, initial={"code": request.GET.get("code")})
    cohort = None
    wait = None
    if request.method == "POST" and form.is_valid():
        code = api.normalise_join_code(form.cleaned_data["code"])
        wait = _join_wait(request)
        if wait:
            form.add_error("code", _join_locked_message(wait))
        elif request.user.is_authenticated:
            try:
                membership = api.join_cohort(user=request.user, code=code)
            except api.JoinError as exc:
                _count_join_failure(request, code)
                form.add_error("code", exc.message)
            else:
                messages.success(
                    request,
                    _("You joined %(cohort)s. Your courses are below.")
                    % {"cohort": membership.cohort.name},
                )
                return redirect("progress:dashboard")
        else:
            cohort = _open_cohort(code)
            if cohort is None:
                _count_join_failure(request, code)
                form.add_error(
                    "code", _("There is no open cohort with this code. Check it.")
                )
            else:
                back = reverse("progress:join") + "?" + urlencode({"code": code})
                signup = reverse("account_signup") + "?" + urlencode({"next": back})
                return redirect(signup)
    elif request.method == "GET" and request.GET.get("code"):
        # A link with the code shows the cohort's name: a lookup like a
        # POST's, so it is limited alike.
        code = api.normalise_join_code(request.GET["code"])
        wait = _join_wait(request)
        if not wait:
            cohort = _open_cohort(code)
            if cohort is None:
                _count_join_failure(request, code)
    response = render(
        request,
        "progress/join.html",
        {
            "form": form,
            "cohort": cohort,
            "locked": _join_locked_message(wait) if wait else "",
        },
        status=429 if wait else 200,
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


def _open_cohort(code: str) -> Cohort | None:
    if not cohorts.is_well_formed(code):
        return None
    return (
        Cohort.objects.filter(join_code=code, is_open=True)
        .select_related("organisation")
        .first()
    )


# Two budgets of wrong codes, one per account and one per address: an
# account cannot be swapped for a fresh one to go on guessing, nor can a
# visitor who is not logged in. A shared address (a school, a mobile
# carrier's NAT) shares its budget, hence its size.
def _join_budgets(request) -> list[tuple[str, str, object]]:
    budgets = [("progress.join:ip", settings.PAMOJA_JOIN_FAILURES_PER_IP, None)]
    if request.user.is_authenticated:
        user_rate = settings.PAMOJA_JOIN_FAILURES_PER_USER
        budgets.append(("progress.join:user", user_rate, request.user.pk))
    return budgets


def _join_wait(request) -> int | None:
    """Seconds until a wrong-code budget of this visitor is renewed, if spent."""
    waits = [
        limits.exhausted_seconds(request, group=group, rate=rate, key=key)
        for group, rate, key in _join_budgets(request)
    ]
    return max((wait for wait in waits if wait), default=None)


def _count_join_failure(request, code: str) -> None:
    # A code that is not even well formed (a typo) tells nothing about which
    # codes exist, so it costs nothing: only lookups are counted.
    if not cohorts.is_well_formed(code):
        return
    for group, rate, key in _join_budgets(request):
        limits.wait_seconds(request, group=group, rate=rate, key=key)


def _join_locked_message(wait: int) -> str:
    count = limits.minutes(wait)
    return ngettext(
        "Too many codes that did not work. Try again in %(count)s minute.",
        "Too many codes that did not work. Try again in %(count)s minutes.",
        count,
    ) % {"count": count}


# --- Trainers: cohorts -------------------------------------------------------


def _trainer(request) -> None:
    if not api.may_run_cohorts(user=request.user):
        raise Http404


def _cohort(request, cohort_id: uuid.UUID) -> Cohort:
    cohorts = Cohort.objects.visible_to(request.user).select_related("organisation")
    return get_object_or_404(cohorts, pk=cohort_id)


@login_required
def cohort_list(request):
    _trainer(request)
    cohorts = (
        Cohort.objects.visible_to(request.user)
        .select_related("organisation")
        .with_member_count()
    )
    return render(request, "progress/trainer/cohort_list.html", {"cohorts": cohorts})


class CohortForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the cohort"), max_length=200)
    courses = forms.MultipleChoiceField(
        label=gettext_lazy("Courses"), widget=forms.CheckboxSelectMultiple
    )
    organisation = forms.ModelChoiceField(
        Organisation.objects.all(),
        label=gettext_lazy("Partner organisation"),
        required=False,
    )
    new_organisation = forms.CharField(
        label=gettext_lazy("Or a new partner organisation"),
        max_length=200,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.course_pages = {
            str(course.translation_key): course
            for course in CoursePage.objects.live()
            .filter(locale=Locale.get_default())
            .order_by("title")
        }
        self.fields["courses"].choices = [
            (key, course.title) for key, course in self.course_pages.items()
        ]

    def clean(self):
        data = super().clean()
        if (
            not data.get("organisation")
            and not data.get("new_organisation", "").strip()
        ):
            self.add_error(
                "organisation", _("Choose the organisation, or name a new one.")
            )
        return data


@login_required
def cohort_create(request):
    _trainer(request)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cohort = api.create_cohort(
            organisation=data["organisation"]
            or api.organisation_named(data["new_organisation"]),
            name=data["name"],
            courses=[form.course_pages[key] for key in data["courses"]],
            trainer=request.user,
        )
        messages.success(
            request,
            _("Cohort created. Its join code is %(code)s.")
            % {"code": cohort.display_code},
        )
        return redirect("progress:cohort", cohort_id=cohort.pk)
    return render(request, "progress/trainer/cohort_form.html", {"form": form})


@login_required
def cohort_report(request, cohort_id: uuid.UUID):
    cohort = _cohort(request, cohort_id)
    report = api.cohort_report(cohort=cohort)
    tables = [make(report) for make in reports.TABLES.values()]
    join_url = request.build_absolute_uri(reverse("progress:join"))
    context = {
        "cohort": cohort,
        "report": report,
        "tables": tables,
        "charts": [_funnel_chart(report), _items_chart(report)],
        "join_url": f"{join_url}?{urlencode({'code': cohort.join_code})}",
        "made_accounts": CohortMembership.objects.filter(
            cohort=cohort, is_bulk_created=True
        )
        .select_related("user")
        .order_by("user__username"),
        "courses": _course_titles(cohort),
    }
    return render(request, "progress/trainer/cohort_report.html", context)


def _course_titles(cohort: Cohort) -> list[str]:
    pages = structure.localized(cohort.course_uuids, Locale.get_active())
    return [pages[key].title for key in cohort.course_uuids if key in pages]


@login_required
@require_POST
def cohort_open(request, cohort_id: uuid.UUID):
    cohort = _cohort(request, cohort_id)
    api.set_cohort_open(cohort=cohort, is_open=request.POST.get("is_open") == "1")
    if cohort.is_open:
        messages.success(request, _("The cohort is open: learners can join."))
    else:
        messages.success(request, _("The cohort is closed to new learners."))
    return redirect("progress:cohort", cohort_id=cohort.pk)


@login_required
def cohort_csv(request, cohort_id: uuid.UUID, table: str):
    cohort = _cohort(request, cohort_id)
    make = reports.TABLES.get(table)
    if make is None:
        raise Http404
    data = make(api.cohort_report(cohort=cohort))
    response = HttpResponse(
        reports.csv_text(data), content_type="text/csv; charset=utf-8"
    )
    filename = f"cohort-{cohort.join_code.lower()}-{table}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Trainers: class lists ----------------------------------------------------


class ClassListForm(forms.Form):
    csv_text = forms.CharField(
        label=gettext_lazy("Paste the CSV"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    csv_file = forms.FileField(
        label=gettext_lazy("Or upload a CSV file"), required=False
    )
    batch = forms.UUIDField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        upload = data.get("csv_file")
        if upload:
            data["csv_text"] = uploads.class_list_text(upload)
        text = data.get("csv_text", "")
        if not text.strip():
            raise forms.ValidationError(_("Paste the CSV or choose a file."))
        uploads.check_class_list_rows(text)
        return data


@login_required
def cohort_learners(request, cohort_id: uuid.UUID):
    """Create accounts from a CSV; the class list (with the one-time
    passwords) is this POST's response, shown once and never stored."""
    cohort = _cohort(request, cohort_id)
    form = ClassListForm(
        request.POST or None,
        request.FILES or None,
        initial={"batch": uuid.uuid4()},
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        batch = str(form.cleaned_data["batch"])
        used = request.session.get(USED_CLASS_LISTS, [])
        if batch in used:  # the page was reloaded: do not make the accounts twice
            messages.info(
                request,
                _("These accounts were made already; passwords are shown only once."),
            )
            return redirect("progress:cohort", cohort_id=cohort.pk)
        try:
            accounts = api.bulk_create_learners(
                cohort=cohort, csv_text=form.cleaned_data["csv_text"]
            )
        except api.ClassListError as exc:
            problems = exc.problems
        else:
            request.session[USED_CLASS_LISTS] = [*used[-19:], batch]
            return _class_list(request, cohort, accounts)
    return render(
        request,
        "progress/trainer/learners_form.html",
        {"cohort": cohort, "form": form, "problems": problems},
    )


@login_required
@require_POST
def cohort_password(request, cohort_id: uuid.UUID):
    """A new one-time password for one account the trainer made."""
    cohort = _cohort(request, cohort_id)
    user_id = request.POST.get("user", "")
    membership = get_object_or_404(
        CohortMembership.objects.select_related("user"),
        cohort=cohort,
        user__pk=int(user_id) if user_id.isdigit() else 0,
        is_bulk_created=True,
    )
    password = api.reissue_password(cohort=cohort, user=membership.user)
    return _class_list(request, cohort, [(membership.user, password)])


def _class_list(request, cohort, accounts) -> HttpResponse:
    response = render(
        request,
        "progress/trainer/class_list.html",
        {
            "cohort": cohort,
            "accounts": accounts,
            "login_url": request.build_absolute_uri(reverse("account_login")),
        },
    )
    add_never_cache_headers(response)
    return response


# --- Charts: bars drawn on the server, mirrored in right-to-left languages ----


@dataclass
class Bar:
    label: str
    value: int
    total: int
    y: int = 0
    x: str = "0"

    @property
    def percent(self) -> int:
        return round(100 * self.value / self.total) if self.total else 0


@dataclass
class Chart:
    slug: str
    title: str
    bars: list[Bar]
    is_rtl: bool
    row_height = 40

    def __post_init__(self):
        for number, bar in enumerate(self.bars):
            bar.y = number * self.row_height
            # Bars grow from the start side: the right in RTL.
            bar.x = f"{100 - bar.percent}%" if self.is_rtl else "0"

    @property
    def height(self) -> int:
        return len(self.bars) * self.row_height

    @property
    def text_x(self) -> str:
        # Text is anchored at its start, which is its right end in RTL.
        return "100%" if self.is_rtl else "0"


def _funnel_chart(report) -> Chart:
    bars = []
    for row in report.funnels:
        steps = [
            (_("started"), row.started),
            (_("completed all lessons"), row.completed_lessons),
        ]
        if row.passed_quiz is not None:
            steps.append((_("passed the quiz"), row.passed_quiz))
        bars.extend(
            Bar(
                _("%(module)s, %(step)s: %(count)s of %(total)s")
                % {
                    "module": row.module_title,
                    "step": step,
                    "count": count,
                    "total": row.members,
                },
                count,
                row.members,
            )
            for step, count in steps
        )
    return Chart(
        "funnel", _("Learners at each step, by module"), bars, get_language_bidi()
    )


def _items_chart(report) -> Chart:
    bars = [
        Bar(
            _("%(module)s, question %(number)s: %(share)s %% right of %(count)s")
            % {
                "module": item.module_title,
                "number": item.number,
                "share": item.share_correct if item.answered else "—",
                "count": item.answered,
            },
            item.correct,
            item.answered,
        )
        for item in report.items
    ]
    return Chart(
        "items", _("Share of right answers, by question"), bars, get_language_bidi()
    )
