from django.apps import AppConfig


class PamojaConfig(AppConfig):
    """The project package as an app: site-wide checks and commands."""

    name = "config"
    label = "pamoja"
    verbose_name = "Pamoja"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import PageViewRestriction, Site
        from wagtail.signals import (
            page_published,
            page_slug_changed,
            page_unpublished,
            post_page_move,
        )

        from . import (
            checks,  # noqa: F401 - registers the system checks
            pagecache,
        )

        # Any change to what a published page shows, or to the outline other
        # pages show, empties the anonymous page cache.
        for name, signal in [
            ("published", page_published),
            ("unpublished", page_unpublished),
            ("slug", page_slug_changed),
            ("moved", post_page_move),
        ]:
            signal.connect(pagecache.bump_version, dispatch_uid=f"pagecache-{name}")
        post_delete.connect(_page_deleted, dispatch_uid="pagecache-delete")
        # Where routing starts (config/routing.py) is kept under the same version.
        for model in (Site, PageViewRestriction):
            for signal in (post_save, post_delete):
                signal.connect(
                    pagecache.bump_version,
                    sender=model,
                    dispatch_uid=f"pagecache-{model.__name__}-{signal is post_save}",
                )


def _page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    from . import pagecache

    if isinstance(instance, Page):
        pagecache.bump_version()
