from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


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
