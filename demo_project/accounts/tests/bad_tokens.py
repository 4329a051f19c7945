"""Bad tokens, one function each: ``make(user, settings) -> str``.

Shared by the token tests and the API's auth tests, which expect each to be refused.
"""

import hashlib
import hmac
import json
import warnings
from base64 import urlsafe_b64encode
from datetime import UTC, datetime, timedelta

import jwt

from demo_project.accounts.tokens import password_claim, token_issue

# The signing key the repository once held as a literal: anyone could read it.
OLD_LITERAL_KEY = "workbook-insecure-key-change-me-in-production-0123456789abcdef"


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return urlsafe_b64encode(raw).rstrip(b"=").decode()


def hand_made(header: dict, payload: dict, key: str | None) -> str:
    """Build a token by hand, signed with HMAC-SHA256 whatever its header claims."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    if key is None:
        return signing_input + "."
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def claims(user, **changes) -> dict:
    now = datetime.now(UTC)
    payload = {
        "sub": str(user.pk),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "pwd": password_claim(user),
    }
    return payload | changes


def other_key(user, settings):
    return jwt.encode(claims(user), "another-key-of-32-bytes-or-more-0123456789", algorithm="HS256")


def tampered_payload(user, settings):
    header, _, signature = token_issue(user).split(".")
    staff = type(user).objects.get(username="admin")
    return f"{header}.{b64(claims(staff))}.{signature}"


def tampered_signature(user, settings):
    token = token_issue(user)
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


def alg_none(user, settings):
    return hand_made({"alg": "none", "typ": "JWT"}, claims(user), key=None)


def hs512(user, settings):
    with warnings.catch_warnings():  # PyJWT warns that the key is short for SHA-512
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(claims(user), settings.JWT_SIGNING_KEY, algorithm="HS512")


def rs256_header(user, settings):
    # The algorithm-confusion attack: an RS256 header over an HMAC made with the key.
    return hand_made({"alg": "RS256", "typ": "JWT"}, claims(user), key=settings.JWT_SIGNING_KEY)


def expired(user, settings):
    return token_issue(user, now=datetime.now(UTC) - settings.JWT_LIFETIME - timedelta(minutes=1))


def no_expiry(user, settings):
    payload = claims(user)
    del payload["exp"]
    return jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm="HS256")


def no_subject(user, settings):
    payload = claims(user)
    del payload["sub"]
    return jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm="HS256")


def subject_not_an_id(user, settings):
    return jwt.encode(claims(user, sub="alice"), settings.JWT_SIGNING_KEY, algorithm="HS256")


def subject_unicode_digits(user, settings):
    # "²" passes str.isdigit() but int("²") raises ValueError.
    return jwt.encode(claims(user, sub="²"), settings.JWT_SIGNING_KEY, algorithm="HS256")


def subject_beyond_any_id(user, settings):
    return jwt.encode(claims(user, sub="9" * 30), settings.JWT_SIGNING_KEY, algorithm="HS256")


def subject_of_5000_digits(user, settings):
    # int() refuses more than 4,300 digits with ValueError: a 500 if it is ever reached.
    return jwt.encode(claims(user, sub="9" * 5000), settings.JWT_SIGNING_KEY, algorithm="HS256")


def subject_as_a_number(user, settings):
    return jwt.encode(claims(user, sub=user.pk), settings.JWT_SIGNING_KEY, algorithm="HS256")


def signed_with_the_old_literal_key(user, settings):
    return jwt.encode(claims(user), OLD_LITERAL_KEY, algorithm="HS256")


def signed_with_the_secret_key(user, settings):
    # SECRET_KEY signs sessions and password resets; tokens have a key of their own.
    return jwt.encode(claims(user), settings.SECRET_KEY, algorithm="HS256")


def no_password_claim(user, settings):
    payload = claims(user)
    del payload["pwd"]
    return jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm="HS256")


def another_password_claim(user, settings):
    payload = claims(user, pwd="0" * 32)
    return jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm="HS256")


def malformed(user, settings):
    return "not-a-token"


def three_garbage_parts(user, settings):
    return "abc.def.ghi"


def empty(user, settings):
    return ""


BAD_TOKENS = {
    "signed with another key": other_key,
    "payload tampered": tampered_payload,
    "signature tampered": tampered_signature,
    "alg none": alg_none,
    "HS512": hs512,
    "RS256 header": rs256_header,
    "expired": expired,
    "no expiry": no_expiry,
    "no subject": no_subject,
    "subject not an id": subject_not_an_id,
    "subject in unicode digits": subject_unicode_digits,
    "subject beyond any id": subject_beyond_any_id,
    "subject of 5,000 digits": subject_of_5000_digits,
    "subject as a JSON number": subject_as_a_number,
    "signed with the old literal key": signed_with_the_old_literal_key,
    "signed with SECRET_KEY": signed_with_the_secret_key,
    "no password claim": no_password_claim,
    "another password claim": another_password_claim,
    "malformed": malformed,
    "three garbage parts": three_garbage_parts,
    "empty": empty,
}
