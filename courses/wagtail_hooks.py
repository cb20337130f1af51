"""Admin: flat listings of courses, modules and lessons under one menu item.

Wagtail's page listing already shows title with language, parent, last
update and status, and offers filters (including language); each listing adds
the columns a trainer looks for on that level. A trainer sees only the pages
they may explore.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.pages import PageListingViewSet

from config import pagecache

from .models import CoursePage, LessonPage, ModulePage


class CourseListingViewSet(PageListingViewSet):
    model = CoursePage
    icon = "folder-open-inverse"
    menu_label = _("Courses")
    columns = [
        *PageListingViewSet.columns,
        Column("level", label=_("Level"), accessor="get_level_display"),
        Column("pass_mark", label=_("Pass mark (%)"), sort_key="pass_mark"),
    ]


class ModuleListingViewSet(PageListingViewSet):
    model = ModulePage
    icon = "folder-inverse"
    menu_label = _("Modules")


class LessonListingViewSet(PageListingViewSet):
    model = LessonPage
    icon = "doc-full-inverse"
    menu_label = _("Lessons")
    columns = [
        *PageListingViewSet.columns,
        Column("minutes", label=_("Minutes"), sort_key="minutes"),
    ]


class CoursesViewSetGroup(ViewSetGroup):
    menu_label = _("Courses")
    menu_icon = "folder-open-inverse"
    menu_order = 150
    items = (
        CourseListingViewSet("course_pages"),
        ModuleListingViewSet("module_pages"),
        LessonListingViewSet("lesson_pages"),
    )


@hooks.register("register_admin_viewset")
def register_course_listings():
    return CoursesViewSetGroup()


@hooks.register("on_serve_page")
def offer_to_the_page_cache(next_serve_page):
    """A live page served to an anonymous reader, outside a preview and with
    no view restriction, may be kept by the anonymous page cache."""

    def serve(page, request, args, kwargs):
        response = next_serve_page(page, request, args, kwargs)
        if (
            not request.user.is_authenticated
            and not getattr(request, "is_preview", False)
            and page.live
            and not page.get_view_restrictions().exists()
        ):
            pagecache.mark_cacheable(request)
        return response

    return serve
