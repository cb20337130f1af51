from django import forms
from django.utils.translation import gettext_lazy as _

from . import names
from .models import User


class SignupForm(forms.Form):
    """Extra sign-up fields, merged by allauth into its own sign-up form."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As it should be printed on your certificate."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def clean_name(self):
        return names.clean_name(self.cleaned_data["name"])

    def signup(self, request, user):
        user.name = self.cleaned_data["name"]
        user.preferred_language = getattr(request, "LANGUAGE_CODE", "") or ""
        user.save(update_fields=["name", "preferred_language"])


class ProfileForm(forms.ModelForm):
    """What a learner changes about themselves: name, language, data saver."""

    class Meta:
        model = User
        fields = ["name", "preferred_language", "is_data_saver_on"]
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}

    def clean_name(self):
        return names.clean_name(self.cleaned_data["name"])


class DeleteAccountForm(forms.Form):
    """Confirm the deletion of one's own account with one's password."""

    KEEP, REVOKE = "keep", "revoke"

    certificates = forms.ChoiceField(
        label=_("Your certificates"),
        choices=[
            (KEEP, _("Keep them verifiable: copies you have shared still check out")),
            (REVOKE, _("Revoke them: anyone who checks one is told it was withdrawn")),
        ],
        initial=KEEP,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Your password"),
        help_text=_("The one you log in with, even a one-time password."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("That is not your password. Nothing was deleted."),
                code="password_incorrect",
            )
        return password

    @property
    def revoke_certificates(self) -> bool:
        return self.cleaned_data["certificates"] == self.REVOKE
