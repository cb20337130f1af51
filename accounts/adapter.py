from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import ngettext

from config import limits


class AccountAdapter(DefaultAccountAdapter):
    """Pamoja's hooks into django-allauth."""

    def get_login_redirect_url(self, request):
        # A learner whose account a trainer made logs in with a one-time
        # password from a class list: their first stop is choosing their own.
        from progress import api as progress_api

        if progress_api.has_temporary_password(user=request.user):
            return reverse("account_change_password")
        return super().get_login_redirect_url(request)

    def get_password_change_redirect_url(self, request):
        return reverse("progress:dashboard")

    # --- Abuse limits (ACCOUNT_RATE_LIMITS) -----------------------------------

    def get_client_ip(self, request):
        # One reading of the client address for every limit, ours and
        # allauth's: behind PAMOJA_TRUSTED_PROXY_COUNT proxies, the address
        # the outermost one saw.
        from certificates.partners import client_ip

        return client_ip(request)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth counts failed log-ins per login as typed. An account has
        # two (its username and its email address); counted apart, each
        # would have its own budget of guesses. Both count for the account.
        login = credentials.get("email") or credentials.get("username") or ""
        user = (
            get_user_model()
            .objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
            .order_by("pk")
            .only("pk")
            .first()
            if login
            else None
        )
        if user is None:
            return super()._get_login_attempts_cache_key(request, **credentials)
        return f"account:{user.pk}"

    def validation_error(self, code, *args) -> ValidationError:
        if code == "too_many_login_attempts":
            count = limits.minutes(self._login_lockout_seconds())
            return ValidationError(
                ngettext(
                    "Too many failed log-ins. Wait %(count)s minute and try again.",
                    "Too many failed log-ins. Wait %(count)s minutes and try again.",
                    count,
                )
                % {"count": count},
                code=code,
            )
        return super().validation_error(code, *args)

    @staticmethod
    def _login_lockout_seconds() -> int:
        """The longest window of the failed log-in limits: the most a learner
        may have to wait."""
        rates = settings.ACCOUNT_RATE_LIMITS.get("login_failed") or "1/m"
        return max(limits.period_seconds(rate) for rate in rates.split(","))
