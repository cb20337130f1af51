"""The learner's own settings: a plain form that works without JavaScript."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .forms import ProfileForm


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
