"""Signed JSON Web Tokens (HS256, with an expiry) for the API's bearer auth.

A token is bound to its user's password: its ``pwd`` claim is a keyed hash of the stored
password hash (as Django's sessions and simplejwt's token revocation do), so changing the
password revokes every token issued before.
"""

import re
from datetime import UTC, datetime

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils.crypto import constant_time_compare, salted_hmac

# A primary key as the token writes it: 1 to 19 ASCII digits. Anything else (a 5,000-digit
# number would make int() raise ValueError, a 500) is refused before it is converted.
SUB = re.compile(r"[1-9][0-9]{0,18}")
MAX_ID = 2**63 - 1
REQUIRED_CLAIMS = ["exp", "iat", "sub", "pwd"]


def password_claim(user: AbstractBaseUser) -> str:
    """Return what binds a token to ``user``'s current password; it changes with it."""
    key_salt = "demo_project.accounts.tokens.password_claim"
    mac = salted_hmac(key_salt, user.password, secret=settings.JWT_SIGNING_KEY, algorithm="sha256")
    return mac.hexdigest()[:32]


def token_issue(user: AbstractBaseUser, *, now: datetime | None = None) -> str:
    """Return a token for ``user`` that expires after ``settings.JWT_LIFETIME``."""
    issued = now or datetime.now(UTC)
    payload = {
        "sub": str(user.pk),
        "iat": int(issued.timestamp()),
        "exp": int((issued + settings.JWT_LIFETIME).timestamp()),
        "pwd": password_claim(user),
    }
    return jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm=settings.JWT_ALGORITHM)


def user_id_from_sub(sub: object) -> int | None:
    """Return the user id a ``sub`` claim names, or None when it is not a valid id."""
    if not isinstance(sub, str) or not SUB.fullmatch(sub):
        return None
    user_id = int(sub)
    return user_id if user_id <= MAX_ID else None


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
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.InvalidTokenError:
        return None
    user_id = user_id_from_sub(payload["sub"])
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(str(payload["pwd"]), password_claim(user)):
        return None
    return user
