"""Content-Security-Policy and Permissions-Policy on every response.

Three policies, by path (settings, "Security headers"): the strict one of
learner pages (``CONTENT_SECURITY_POLICY``), the admins' (Wagtail's and
Django's admin run inline scripts and styles) and the API's (JSON, which no
browser should render, run or frame).

Both middlewares sit above the anonymous page cache (config/pagecache.py),
whose hits never reach the view: a cached page gets the same headers as a
fresh one. Learner pages carry no nonce for the same reason: a cached page
is the same bytes for every reader.
"""

import base64
import hashlib
import re

from csp.constants import HEADER
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings

STYLE_ELEMENT = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the policy by path. A view may still
    set its own with django-csp's decorators, or the header itself
    (``allow_own_styles``), which is then left as it is.

    ``frame-ancestors`` follows X-Frame-Options, which a browser ignores when
    the policy names frame ancestors: DENY, but SAMEORIGIN for what the
    Wagtail admin shows in a frame of its own. Its page preview is rendered
    through this middleware twice, the inner time (the page's own URL, a
    learner policy) before the preview view says SAMEORIGIN: that first
    policy, which the outer time keeps, lets the admin frame it too."""

    def get_policy_parts(
        self, request, response, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        if parts.config is None:
            parts.config = policy_for(request.path_info)
        if (
            getattr(request, "is_preview", False)
            or response.get("X-Frame-Options", "").upper() == "SAMEORIGIN"
        ):
            parts.replace = {**(parts.replace or {}), "frame-ancestors": ["'self'"]}
        return parts


def policy_for(path: str) -> dict:
    if path.startswith(settings.PAMOJA_CSP_API_PREFIXES):
        return settings.PAMOJA_CSP_API_DIRECTIVES
    if path.startswith(settings.PAMOJA_CSP_ADMIN_PREFIXES):
        return settings.PAMOJA_CSP_ADMIN_DIRECTIVES
    return settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]


def allow_own_styles(response):
    """Let the ``<style>`` elements of ``response``, exactly as they are, and
    nothing else in: for a self-contained page (a course's single-file
    download), which loads nothing, runs nothing and may be framed by no one."""
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(css).digest()).decode()}'"
        for css in STYLE_ELEMENT.findall(response.content)
    ]
    # The header itself, not django-csp's response attribute: the anonymous
    # page cache keeps headers, and answers the next reader without the view.
    response[HEADER] = build_policy(
        config={
            "default-src": ["'none'"],
            "style-src": hashes or ["'none'"],
            "base-uri": ["'none'"],
            "form-action": ["'none'"],
            "frame-ancestors": ["'none'"],
        }
    )
    return response


class PermissionsPolicyMiddleware:
    """Turns off the powerful browser features no page of Pamoja uses
    (``PAMOJA_PERMISSIONS_POLICY``), for the page and anything it frames."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PAMOJA_PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.policy)
        return response
