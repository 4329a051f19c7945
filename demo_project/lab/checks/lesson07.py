"""The checks of lesson 07 (Auth) and their reference answers."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

from .core import catalog, exercise, measure, short


@exercise("7.1", "bearer_token")
def check_7_1(ex, answer):
    cases = [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        (None, None),
        ("", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer a b", None),
        ("Token abc", None),
        ("Bearerabc", None),
    ]
    if ex.hidden:
        cases += [
            ("Bearer  abc", None),
            ("Bearer abc ", None),
            ("Bearer\tabc", None),
            (" Bearer abc", None),
            ("Bearer " + "x" * 500, "x" * 500),
        ]
    for header, expected in cases:
        got = ex.call(answer, header)
        ex.expect_equal(
            expected,
            got,
            what=f"bearer_token({header!r})",
            hint="the header is exactly '<scheme> <token>': scheme 'bearer' in any "
            "case, then one space, then a token with no spaces; anything else is "
            "None.",
        )
    return f"{len(cases)} headers read right, bad ones refused."


def _token_cases(hidden: bool) -> list[tuple[str, str, int | None]]:
    """(what, token, the user id it should give or None)."""
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
    cases = [(f"a valid token of {user.username}", token_issue(user), user.pk) for user in users]
    cases += [
        ("an expired token", token_issue(alice, now=now - lifetime - timedelta(minutes=1)), None),
        (
            "a token signed with another key",
            signed(
                {"sub": str(alice.pk), "exp": exp},
                "a-different-signing-key-of-the-same-length-as-ours",
            ),
            None,
        ),
        (
            "an unsigned token (alg: none)",
            b64({"alg": "none", "typ": "JWT"})
            + "."
            + b64({"sub": str(alice.pk), "exp": exp})
            + ".",
            None,
        ),
        (
            "a token whose payload was changed to another user",
            f"{header}.{b64({'sub': str(users[0].pk), 'exp': exp})}.{signature}",
            None,
        ),
        ("a token without exp", signed({"sub": str(alice.pk)}), None),
        ("not a token at all", "abc", None),
    ]
    if hidden:
        cases += [
            ("an empty string", "", None),
            ("three dots", "a.b.c", None),
            ("a token for no user", signed({"sub": "999999", "exp": exp}), None),
            ("a token whose sub is not an id", signed({"sub": "1 OR 1=1", "exp": exp}), None),
            ("a token without sub", signed({"exp": exp}), None),
            (
                "a token signed with HS512",
                signed({"sub": str(alice.pk), "exp": exp}, algorithm="HS512"),
                None,
            ),
        ]
    return cases


@exercise("7.2", "user_for_token")
def check_7_2(ex, answer):
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError, connection

    checked = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cases = _token_cases(ex.hidden)
            bob = get_user_model().objects.get(username="bob")
            from demo_project.accounts.tokens import token_issue

            inactive_token = token_issue(bob)
            for what, token, user_id in cases:
                user, panel = measure(lambda t=token: ex.call(answer, t))
                got = getattr(user, "pk", user)
                if got != user_id:
                    expected = "None" if user_id is None else f"the user with id {user_id}"
                    ex.fail(
                        f"for {what}, user_for_token gave {short(user)}; expected {expected}.",
                        f"  on: {context}",
                        hint="jwt.decode(token, settings.JWT_SIGNING_KEY, algorithms=['HS256'],"
                        " options={'require': ['exp', 'sub']}); a bad token is None.",
                    )
                ex.hold_budget(
                    panel,
                    1,
                    f"the answer for {what}",
                    context=context,
                    hint="one query for the user, none for a bad token.",
                )
                checked += 1
            bob.is_active = False
            bob.save(update_fields=["is_active"])
            user = ex.call(answer, inactive_token)
            if user is not None:
                ex.fail(
                    "a valid token of a deactivated user still gives the user.",
                    hint="look the user up with is_active=True.",
                )
            checked += 1
    if ex.hidden:  # a database failure is not a bad token: it must not become a silent 401
        token = _token_cases(False)[1][1]

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
                    hint="catch jwt.InvalidTokenError only: a bare `except` turns every bug "
                    "and outage into a silent 401.",
                )
    return f"{checked} tokens: valid ones give their user, every attack gives None."
