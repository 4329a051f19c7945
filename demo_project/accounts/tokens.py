"""Signed JSON Web Tokens (HS256, with an expiry) for the API's bearer auth."""

from datetime import UTC, datetime

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser


def token_issue(user: AbstractBaseUser, *, now: datetime | None = None) -> str:
    """Return a token for ``user`` that expires after ``settings.JWT_LIFETIME``."""
    issued = now or datetime.now(UTC)
    payload = {
        "sub": str(user.pk),
        "iat": int(issued.timestamp()),
        "exp": int((issued + settings.JWT_LIFETIME).timestamp()),
    }
    return jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm=settings.JWT_ALGORITHM)


def token_user(token: str) -> AbstractBaseUser | None:
    """Return the active user a valid token names, or None for any bad token.

    Only PyJWT's own errors mean "bad token"; anything else (a bug, a database error)
    propagates instead of turning silently into a 401.
    """
    try:
        payload = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            algorithms=[settings.JWT_ALGORITHM],  # never read the algorithm from the token
            options={"require": ["exp", "sub"]},
        )
    except jwt.InvalidTokenError:
        return None
    user_id = payload["sub"]
    # isdigit() alone accepts digits that int() refuses, such as "²".
    if not isinstance(user_id, str) or not (user_id.isascii() and user_id.isdigit()):
        return None
    return get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
