from django.contrib import admin

from .models import Certificate, StatusList


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: revoke and reissue from the cohort's certificate page, where
    a reason is asked for and the status list is re-signed."""

    list_display = ["code", "name", "course_title", "language", "status", "issued_at"]
    list_filter = ["status", "language"]
    search_fields = ["code", "name"]
    date_hierarchy = "issued_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatusList)
class StatusListAdmin(admin.ModelAdmin):
    list_display = ["number", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
