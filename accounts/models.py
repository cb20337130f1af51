from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person using Pamoja.

    ``name`` is the one name field, written as it should print on a
    certificate; Django's first/last name split does not fit every culture.
    Email is optional: many learners sign up with a username and a cohort code.
    """

    first_name = None
    last_name = None
    name = models.CharField(
        _("full name"),
        max_length=150,
        help_text=_("Your name as it should be printed on your certificates."),
    )
    email = models.EmailField(_("email address"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Pamoja shows pages in this language when it can."),
    )
    # Like the browser's own data saver (the Save-Data header), for phones
    # whose browser has none: lessons show images only when tapped.
    is_data_saver_on = models.BooleanField(
        _("data saver"),
        default=False,
        help_text=_("Lessons show images only when you tap them, with their size."),
    )

    REQUIRED_FIELDS = ["email", "name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Several accounts may have no email, but an address belongs to
            # one account only (log-in by email must be unambiguous).
            models.UniqueConstraint(
                models.functions.Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique_ci",
            ),
        ]

    def __str__(self):
        return self.name or self.username

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name or self.username
