from django.apps import AppConfig


class PamojaConfig(AppConfig):
    """The project package as an app: site-wide checks and commands."""

    name = "config"
    label = "pamoja"
    verbose_name = "Pamoja"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
