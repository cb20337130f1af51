from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class SignupForm(forms.Form):
    """Extra sign-up fields, merged by allauth into its own sign-up form."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As it should be printed on your certificate."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request, user):
        user.name = self.cleaned_data["name"].strip()
        user.preferred_language = getattr(request, "LANGUAGE_CODE", "") or ""
        user.save(update_fields=["name", "preferred_language"])


class ProfileForm(forms.ModelForm):
    """What a learner changes about themselves: name, language, data saver."""

    class Meta:
        model = User
        fields = ["name", "preferred_language", "is_data_saver_on"]
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}
