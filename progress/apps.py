from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Progress")

    def ready(self):
        from django.db.models.signals import post_delete
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from . import cohorts  # noqa: F401 - connects the password signal receivers
        from .treecache import tree_changed

        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(tree_changed, dispatch_uid=f"progress-tree-{signal!r}")
        post_delete.connect(_page_deleted, dispatch_uid="progress-tree-delete")


def _page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    from .treecache import tree_changed

    if isinstance(instance, Page):
        tree_changed()
