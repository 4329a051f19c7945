"""The checks of lesson 08 (The reference, reviewed) and their reference answers."""

from __future__ import annotations

from .core import exercise, short


def _body(response):
    if response.get("Content-Type", "").startswith("application/json"):
        return response.json()
    return response.content


@exercise(
    "8.1",
    "ReviewsClosed",
    "install_reviews_closed_handler",
    requirements={
        "answer": (
            "`ReviewsClosed`, or a subclass of it, answers 409 with the one error body, code "
            "`reviews_closed` and the exception's message",
            "mounts a view that raises it (and one that raises a subclass) on an API with your "
            "handler and reads status and body",
        ),
        "others": (
            "every other error keeps its own answer: a `NotFound` is still a 404, a bug still "
            "propagates",
            "mounts views that raise `NotFound` and `RuntimeError` beside your handler",
        ),
    },
)
def check_8_1(ex, error_class, install):
    from demo_project.errors import NotFound, error_body

    with ex.requirement("answer"):
        if not (isinstance(error_class, type) and issubclass(error_class, Exception)):
            ex.fail("ReviewsClosed should be an exception class; run the cell that defines it.")

        class ItemArchived(error_class):
            pass

        cases = [
            (error_class, "Reviews of this item are closed."),
            (ItemArchived, "Item 7 was archived: no more reviews."),
        ]
        if ex.hidden:
            cases.append((error_class, "Closed on 2026-01-01 by the shop."))
        for raised, message in cases:

            def closed(request, raised=raised, message=message):
                raise raised(message)

            client = ex.client_for("/closed", closed, install=install)
            response, _ = ex.request(client, "/closed")
            label = "ReviewsClosed" if raised is error_class else "a subclass of ReviewsClosed"
            ex.expect_equal(
                409,
                response.status_code,
                what=f"the status for {label}",
                hint="api.create_response(request, error_body(409, 'reviews_closed', "
                "str(exc)), status=409), in a handler registered for ReviewsClosed.",
            )
            ex.expect_equal(
                error_body(409, "reviews_closed", message),
                _body(response),
                what=f"the body for {label}",
                hint="the one error body: demo_project.errors.error_body(...).",
            )

    with ex.requirement("others"):

        def missing(request):
            raise NotFound("Item not found.")

        client = ex.client_for("/missing", missing, install=install)
        response, _ = ex.request(client, "/missing")
        ex.expect_equal(
            404,
            response.status_code,
            what="the status of NotFound beside your handler",
            hint="handle ReviewsClosed only, never Exception.",
        )

        def bug(request):
            raise RuntimeError("a bug")

        _expect_propagated(
            ex,
            ex.client_for("/bug", bug, install=install),
            "an unexpected RuntimeError",
            hint="handle ReviewsClosed only: a handler for Exception answers bugs as if "
            "the client had caused them.",
        )
    return "ReviewsClosed answers 409 with the one error body; other errors unchanged."


@exercise(
    "8.2",
    "install_domain_handlers",
    requirements={
        "application": (
            "every `ApplicationError` answers its own `status` and `code` with its message "
            "and `details`, in the one error body: one handler for the class and every "
            "subclass, a new one included",
            "raises `NotFound`, `PermissionDenied`, `BusinessRuleViolation` and a subclass "
            "the check defines (410 `gone`) through an API with only your handlers",
        ),
        "validation": (
            'Django\'s `ValidationError` answers 422 `invalid`, `details` holding one `{"loc": '
            '["body", field], "msg": message, "type": "value_error"}` per message (`"loc": '
            '["body"]` when it names no field)',
            "raises a `ValidationError` with a field and one without",
        ),
        "bugs": (
            "nothing else is mapped: a `PermissionError`, a `DoesNotExist` or any other "
            "exception still propagates (a 500 that someone sees)",
            "raises `PermissionError`, `Item.DoesNotExist` and `RuntimeError` and expects "
            "each out of the call",
        ),
    },
)
def check_8_2(ex, install):
    from django.core.exceptions import ValidationError

    from demo_project.catalog.models import Item
    from demo_project.errors import (
        ApplicationError,
        BusinessRuleViolation,
        NotFound,
        PermissionDenied,
        _django_validation_details,  # what the project's own handler writes
    )

    class Gone(ApplicationError):
        status = 410
        code = "gone"

    def raising(error):
        def view(request):
            if callable(error) and not isinstance(error, BaseException):
                error()
            raise error

        return view

    cases = [
        ("application", "NotFound", NotFound("Item not found."), 404, "not_found"),
        (
            "application",
            "PermissionDenied",
            PermissionDenied("Only the owner may edit this item."),
            403,
            "permission_denied",
        ),
        (
            "application",
            "BusinessRuleViolation",
            BusinessRuleViolation(
                "The price is over the cap.", details=[{"loc": ["body", "price"]}]
            ),
            422,
            "business_rule",
        ),
        ("application", "a new ApplicationError subclass", Gone("It was removed."), 410, "gone"),
        (
            "validation",
            "a ValidationError from full_clean",
            ValidationError({"price": ["Too high.", "Not a multiple of 5."]}),
            422,
            "invalid",
        ),
        (
            "validation",
            "a ValidationError without a field",
            ValidationError("Not allowed."),
            422,
            "invalid",
        ),
    ]
    if ex.hidden:
        cases += [
            ("application", "NotFound", NotFound("Category not found."), 404, "not_found"),
            (
                "validation",
                "a ValidationError of two fields",
                ValidationError({"name": ["Empty."], "slug": ["Taken."]}),
                422,
                "invalid",
            ),
        ]
    for key, label, error, status, code in cases:
        with ex.requirement(key):
            client = ex.client_for("/x", raising(error), install=install, with_handlers=False)
            response, _ = ex.request(
                client,
                "/x",
                hint="register one handler for ApplicationError: it answers NotFound and "
                "every other subclass; one for Django's ValidationError.",
            )
            body = _body(response)
            if response.status_code != status:
                ex.fail(
                    f"{label} answered {response.status_code}; expected {status}.",
                    f"  body: {short(body)}",
                    hint="one @api.exception_handler(ApplicationError) reading exc.status and "
                    "exc.code; one for django.core.exceptions.ValidationError.",
                )
            error_part = body.get("error") if isinstance(body, dict) else None
            if not isinstance(error_part, dict) or error_part.get("status") != status:
                ex.fail(
                    f"{label} answered {status} but not with the one error body.",
                    f"  got: {short(body)}",
                    hint="demo_project.errors.error_body(status, code, message, details).",
                )
            ex.expect_equal(
                code,
                error_part.get("code"),
                what=f"error.code for {label}",
                hint=(
                    "the code the class carries: exc.code." if key == "application" else "invalid."
                ),
            )
            if key == "application":
                expected = {"message": error.message, "details": error.details}
            else:
                expected = {"details": _django_validation_details(error)}
            for part, value in expected.items():
                ex.expect_equal(
                    value,
                    error_part.get(part),
                    what=f"error.{part} for {label}",
                    hint="details as [{'loc': ['body', field], 'msg': ..., 'type': "
                    "'value_error'}], one per message."
                    if key == "validation"
                    else f"exc.{part}.",
                )
    bugs = [
        ("PermissionError", PermissionError("Permission denied: '/var/spool/report.csv'")),
        ("Item.DoesNotExist", lambda: Item.objects.get(pk=0)),
        ("RuntimeError", RuntimeError("a bug")),
    ]
    with ex.requirement("bugs"):
        for label, error in bugs:
            _expect_propagated(
                ex,
                ex.client_for("/bug", raising(error), install=install, with_handlers=False),
                f"a {label}",
                hint="map the project's own errors only: a PermissionError is an OSError "
                "(a file the server may not open), a DoesNotExist a row the code expected; "
                "both are the server's faults, so let them propagate.",
            )
    return f"{len(cases)} errors mapped to 4xx with the one body; other exceptions propagate."


def _expect_propagated(ex, client, what: str, *, hint: str) -> None:
    """Fail unless GET /bug raises out of the API: an error no handler should answer."""
    try:
        response = client.get("/bug")
    except Exception:
        return  # it propagated, as it should
    ex.fail(
        f"{what} became a {response.status_code} response.",
        f"  body: {short(_body(response))}",
        hint=hint,
    )
