"""Per-learner tokens for the offline client: random, shown once, stored hashed."""

import hashlib
import secrets

from django.utils import timezone

from .models import DeviceToken

PREFIX = "pmj_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(*, user, label: str = "") -> str:
    """Create a token for ``user`` and return it; it cannot be read again."""
    key = PREFIX + secrets.token_urlsafe(32)
    DeviceToken.objects.create(user=user, key_hash=_hash(key), label=label[:100])
    return key


def user_for_token(key: str):
    """The active user a token belongs to, or None."""
    if not key.startswith(PREFIX):
        return None
    token = (
        DeviceToken.objects.select_related("user")
        .filter(key_hash=_hash(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    DeviceToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
