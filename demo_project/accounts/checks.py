"""Deployment checks of the token settings (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

# HS256 wants a key at least as long as its hash: 32 bytes (RFC 7518, section 3.2).
MIN_JWT_KEY_BYTES = 32


@register(Tags.security, deploy=True)
def jwt_signing_key_check(app_configs, **kwargs):
    """Warn when the token key is the SECRET_KEY or too short to sign HS256 safely."""
    key = settings.JWT_SIGNING_KEY
    if key == settings.SECRET_KEY:
        return [
            Warning(
                "JWT_SIGNING_KEY is the SECRET_KEY.",
                hint="Give tokens a key of their own, so that a leaked one does not also "
                "sign sessions and password resets.",
                id="accounts.W001",
            )
        ]
    if len(key.encode()) < MIN_JWT_KEY_BYTES:
        return [
            Warning(
                f"JWT_SIGNING_KEY is shorter than {MIN_JWT_KEY_BYTES} bytes.",
                hint="Generate one: python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
                id="accounts.W002",
            )
        ]
    return []
