from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import partners
from .models import Certificate, PartnerKey, StatusList, VerificationLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never edited here: changes go through certificates.api."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Read-only: revoke and reissue from the cohort's certificate page, where
    a reason is asked for and the status list is re-signed."""

    list_display = ["code", "name", "course_title", "language", "status", "issued_at"]
    list_filter = ["status", "language"]
    search_fields = ["code", "name"]
    date_hierarchy = "issued_at"


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    list_display = ["number", "updated_at"]


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    """Keys are made here; the secret is shown once, in the message after
    saving, and only its hash is kept. Revoke rather than delete: the
    verification log keeps pointing at the key."""

    list_display = [
        "organisation",
        "prefix",
        "rate_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["organisation", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organisation", "rate_per_minute"]
        return ["organisation", "rate_per_minute", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        token = None if change else partners.assign_secret(obj)
        super().save_model(request, obj, form, change)
        if token:
            messages.warning(
                request,
                gettext(
                    "The key for %(organisation)s is %(token)s — copy it now: it "
                    "is shown only this once. Partners send it as "
                    "Authorization: Bearer <key>."
                )
                % {"organisation": obj.organisation, "token": token},
            )

    @admin.action(description=_("Revoke selected keys"))
    def revoke(self, request, queryset):
        count = partners.revoke_keys(queryset)
        messages.success(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count)
            % {"count": count},
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VerificationLog)
class VerificationLogAdmin(admin.ModelAdmin):
    list_display = ["at", "channel", "kind", "outcome", "items", "certificate"]
    list_filter = ["channel", "kind", "outcome"]
    list_select_related = ["certificate"]
    date_hierarchy = "at"
    raw_id_fields = ["certificate", "partner_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
