"""The checks of lesson 07 (Auth) and their reference answers."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

from .core import catalog, exercise, measure, short


@exercise(
    "7.1",
    "bearer_token",
    requirements={
        "token": (
            "`Bearer <token>` gives the token, the scheme `bearer` in any case",
            "reads `Bearer abc.def.ghi`, `bearer abc` and `BEARER abc`",
        ),
        "missing": (
            "no header, an empty one, or a scheme without a token gives `None`",
            "reads `None`, `''`, `Bearer` and `Bearer `",
        ),
        "scheme": (
            "another scheme gives `None`",
            "reads `Basic dXNlcjpwYXNz`, `Token abc` and `Bearerabc`",
        ),
        "spaces": (
            "exactly one space after the scheme and no whitespace in or around the token, "
            "else `None`",
            "reads `Bearer a b`, `Bearer  abc`, `Bearer abc `, a tab after the scheme and a "
            "space before it",
        ),
    },
)
def check_7_1(ex, answer):
    cases = [
        ("token", "Bearer abc.def.ghi", "abc.def.ghi"),
        ("token", "bearer abc", "abc"),
        ("token", "BEARER abc", "abc"),
        ("missing", None, None),
        ("missing", "", None),
        ("missing", "Bearer", None),
        ("missing", "Bearer ", None),
        ("scheme", "Basic dXNlcjpwYXNz", None),
        ("scheme", "Token abc", None),
        ("scheme", "Bearerabc", None),
        ("spaces", "Bearer a b", None),
        ("spaces", "Bearer  abc", None),
        ("spaces", "Bearer abc ", None),
        ("spaces", "Bearer\tabc", None),
        ("spaces", " Bearer abc", None),
    ]
    if ex.hidden:
        cases += [
            ("token", "bEaReR xyz", "xyz"),
            ("token", "Bearer " + "x" * 500, "x" * 500),
            ("scheme", "Digest abc", None),
            ("spaces", "Bearer abc\n", None),
            ("spaces", "Bearer\u00a0abc", None),
        ]
    for key, header, expected in cases:
        with ex.requirement(key):
            got = ex.call(answer, header)
            ex.expect_equal(
                expected,
                got,
                what=f"bearer_token({header!r})",
                hint="the header is exactly '<scheme> <token>': scheme 'bearer' in any "
                "case, then one space, then a token with no whitespace; anything else is "
                "None.",
            )
    return f"{len(cases)} headers read right, bad ones refused."


def _token_cases(hidden: bool) -> list[tuple[str, str, str, int | None]]:
    """(requirement, what, token, the user id it should give or None)."""
    import base64
    import json

    import jwt
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from demo_project.accounts.tokens import token_issue

    key, lifetime = settings.JWT_SIGNING_KEY, settings.JWT_LIFETIME
    users = list(get_user_model().objects.order_by("id"))
    alice = next(user for user in users if user.username == "alice")
    now = datetime.now(UTC)
    exp = int((now + lifetime).timestamp())

    def signed(payload, secret=key, algorithm="HS256"):
        with warnings.catch_warnings():  # PyJWT warns about short keys; these are attacks
            warnings.simplefilter("ignore")
            return jwt.encode(payload, secret, algorithm=algorithm)

    def b64(data: dict) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    valid = token_issue(alice)
    header, _, signature = valid.split(".")
    sub = str(alice.pk)
    cases = [
        ("valid", f"a valid token of {user.username}", token_issue(user), user.pk) for user in users
    ]
    cases += [
        (
            "signature",
            "a token signed with another key",
            signed({"sub": sub, "exp": exp}, "a-different-signing-key-of-the-same-length-as-ours"),
            None,
        ),
        (
            "signature",
            "an unsigned token (alg: none)",
            b64({"alg": "none", "typ": "JWT"}) + "." + b64({"sub": sub, "exp": exp}) + ".",
            None,
        ),
        (
            "signature",
            "a token whose payload was changed to another user",
            f"{header}.{b64({'sub': str(users[0].pk), 'exp': exp})}.{signature}",
            None,
        ),
        (
            "algorithm",
            "a token signed with our key using HS512",
            signed({"sub": sub, "exp": exp}, algorithm="HS512"),
            None,
        ),
        (
            "expiry",
            "an expired token",
            token_issue(alice, now=now - lifetime - timedelta(minutes=1)),
            None,
        ),
        ("expiry", "a token without exp", signed({"sub": sub}), None),
        ("subject", "a token without sub", signed({"exp": exp}), None),
        (
            "subject",
            "a token whose sub is not an id",
            signed({"sub": "1 OR 1=1", "exp": exp}),
            None,
        ),
        ("subject", "a token for no user", signed({"sub": "999999", "exp": exp}), None),
        ("garbage", "not a token at all", "abc", None),
        ("garbage", "an empty string", "", None),
        ("garbage", "three dots", "a.b.c", None),
    ]
    if hidden:
        cases += [
            (
                "algorithm",
                "a token signed with our key using HS384",
                signed({"sub": sub, "exp": exp}, algorithm="HS384"),
                None,
            ),
            (
                "subject",
                "a token whose sub is a number",
                signed({"sub": alice.pk, "exp": exp}),
                None,
            ),
            (
                "expiry",
                "a token expired a second ago",
                signed({"sub": sub, "exp": int(now.timestamp()) - 1}),
                None,
            ),
            ("garbage", "a token of spaces", "   ", None),
        ]
    return cases


@exercise(
    "7.2",
    "user_for_token",
    requirements={
        "valid": (
            "a valid token gives the user it names",
            "asks for a token of every user of two catalogs",
        ),
        "signature": (
            "a token signed with another key, an unsigned one (`alg: none`) or one whose "
            "payload was changed gives `None`",
            "asks for each of those three tokens",
        ),
        "algorithm": (
            "the algorithm is HS256, never the one the token names: a token signed with our "
            "key using HS512 gives `None`",
            "asks for a token signed with `JWT_SIGNING_KEY` and HS512",
        ),
        "expiry": (
            "`exp` is required: an expired token or one without `exp` gives `None`",
            "asks for an expired token and one without `exp`",
        ),
        "subject": (
            "`sub` is required and is a user's id: else `None`",
            "asks for tokens without `sub`, with `sub` `'1 OR 1=1'` and with the id of no user",
        ),
        "garbage": (
            "a string that is not a token gives `None`",
            "asks for `abc`, `''` and `a.b.c`",
        ),
        "inactive": (
            "a deactivated user's token gives `None`",
            "deactivates a user, then asks for their token",
        ),
        "errors": (
            "only PyJWT's `jwt.InvalidTokenError` is caught: a database error goes through",
            "asks for a valid token while every query raises `DatabaseError`",
        ),
        "queries": ("at most one query per token", "counts the queries of every call"),
    },
)
def check_7_2(ex, answer):
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError, connection

    from demo_project.accounts.tokens import token_issue

    checked = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cases = _token_cases(ex.hidden)
            bob = get_user_model().objects.get(username="bob")
            inactive_token = token_issue(bob)
            for key, what, token, user_id in cases:
                with ex.requirement(key):
                    user, panel = measure(lambda t=token: ex.call(answer, t))
                    got = getattr(user, "pk", user)
                    if got != user_id:
                        expected = "None" if user_id is None else f"the user with id {user_id}"
                        ex.fail(
                            f"for {what}, user_for_token gave {short(user)}; expected {expected}.",
                            f"  on: {context}",
                            hint="jwt.decode(token, settings.JWT_SIGNING_KEY, "
                            "algorithms=['HS256'], options={'require': ['exp', 'sub']}); a bad "
                            "token is None.",
                        )
                with ex.requirement("queries"):
                    ex.hold_budget(
                        panel,
                        1,
                        f"the answer for {what}",
                        context=context,
                        hint="one query for the user, none for a bad token.",
                    )
                checked += 1
            with ex.requirement("inactive"):
                bob.is_active = False
                bob.save(update_fields=["is_active"])
                user = ex.call(answer, inactive_token)
                if user is not None:
                    ex.fail(
                        "a valid token of a deactivated user still gives the user.",
                        hint="look the user up with is_active=True.",
                    )
            checked += 1
            # A database failure is not a bad token: it must not become a silent 401.
            with ex.requirement("errors"):
                token = token_issue(get_user_model().objects.get(username="alice"))

                def database_down(execute, sql, params, many, context):
                    raise DatabaseError("the database is down")

                with connection.execute_wrapper(database_down):
                    try:
                        got = ex.call(answer, token, allow=(DatabaseError,))
                    except DatabaseError:
                        pass
                    else:
                        ex.fail(
                            f"with the database down, user_for_token returned {short(got)} "
                            "instead of letting the DatabaseError through.",
                            hint="catch jwt.InvalidTokenError only: a bare `except` or "
                            "`except Exception` turns every bug and outage into a silent 401.",
                        )
    return f"{checked} tokens: valid ones give their user, every attack gives None."
