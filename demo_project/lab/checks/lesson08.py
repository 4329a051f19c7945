"""The checks of lesson 08 (The reference, reviewed) and their reference answers."""

from __future__ import annotations

from .core import exercise, short


@exercise("8.1", "ReviewsClosed", "install_reviews_closed_handler")
def check_8_1(ex, error_class, install):
    from demo_project.errors import NotFound, error_body

    if not (isinstance(error_class, type) and issubclass(error_class, Exception)):
        ex.fail("ReviewsClosed should be an exception class; run the cell that defines it.")
    messages = ["Reviews of this item are closed."]
    if ex.hidden:
        messages.append("Item 7 was archived: no more reviews.")
    for message in messages:

        def closed(request, message=message):
            raise error_class(message)

        client = ex.client_for("/closed", closed, install=install)
        response, _ = ex.request(client, "/closed")
        ex.expect_equal(
            409,
            response.status_code,
            what="the status for ReviewsClosed",
            hint="api.create_response(request, error_body(409, 'reviews_closed', "
            "str(exc)), status=409).",
        )
        ex.expect_equal(
            error_body(409, "reviews_closed", message),
            response.json(),
            what="the body for ReviewsClosed",
            hint="the one error body: demo_project.errors.error_body(...).",
        )

    def missing(request):
        raise NotFound("Item not found.")

    client = ex.client_for("/missing", missing, install=install)
    response, _ = ex.request(client, "/missing")
    ex.expect_equal(
        404,
        response.status_code,
        what="the status of NotFound beside your handler",
        hint="handle ReviewsClosed only.",
    )
    if ex.hidden:

        class ItemArchived(error_class):
            pass

        def archived(request):
            raise ItemArchived("Archived.")

        client = ex.client_for("/archived", archived, install=install)
        response, _ = ex.request(client, "/archived")
        ex.expect_equal(
            409,
            response.status_code,
            what="the status for a subclass of ReviewsClosed",
            hint="register the handler for ReviewsClosed itself.",
        )
    return "ReviewsClosed answers 409 with the one error body; other errors unchanged."


@exercise("8.2", "install_domain_handlers")
def check_8_2(ex, install):
    from django.core.exceptions import ValidationError

    from demo_project.catalog.models import Category, Item

    def raising(error):
        def view(request):
            if callable(error):
                error()
            raise error

        return view

    cases = [
        (
            "PermissionError",
            PermissionError("Only the owner may edit this item."),
            403,
            {"code": "permission_denied", "message": "Only the owner may edit this item."},
        ),
        ("Item.DoesNotExist", lambda: Item.objects.get(pk=0), 404, {"code": "not_found"}),
        (
            "ValidationError from full_clean",
            ValidationError({"price": ["Too high."]}),
            400,
            {
                "code": "invalid",
                "details": [{"loc": ["body", "price"], "msg": "Too high.", "type": "value_error"}],
            },
        ),
    ]
    if ex.hidden:
        cases += [
            (
                "Category.DoesNotExist",
                lambda: Category.objects.get(pk=0),
                404,
                {"code": "not_found"},
            ),
            (
                "a ValidationError without a field",
                ValidationError("Not allowed."),
                400,
                {
                    "code": "invalid",
                    "details": [{"loc": ["body"], "msg": "Not allowed.", "type": "value_error"}],
                },
            ),
        ]
    for label, error, status, expected in cases:
        client = ex.client_for("/x", raising(error), install=install, with_handlers=False)
        response, _ = ex.request(client, "/x")
        body = (
            response.json()
            if response.get("Content-Type", "").startswith("application/json")
            else response.content
        )
        if response.status_code != status:
            ex.fail(
                f"{label} answered {response.status_code}; expected {status}.",
                f"  body: {short(body)}",
                hint="one @api.exception_handler per error type, each returning the one "
                "error body.",
            )
        error_part = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error_part, dict) or error_part.get("status") != status:
            ex.fail(
                f"{label} answered {status} but not with the one error body.",
                f"  got: {short(body)}",
                hint="demo_project.errors.error_body(status, code, message, details).",
            )
        for key, value in expected.items():
            ex.expect_equal(
                value,
                error_part.get(key),
                what=f"error.{key} for {label}",
                hint="codes: permission_denied, not_found, invalid; details as "
                "[{'loc': ['body', field], 'msg': ..., 'type': 'value_error'}].",
            )
    client = ex.client_for(
        "/bug", raising(RuntimeError("a bug")), install=install, with_handlers=False
    )
    try:
        response = client.get("/bug")
    except RuntimeError:
        pass
    else:
        ex.fail(
            f"an unexpected RuntimeError became a {response.status_code} response.",
            hint="handle the errors a client caused; let a bug propagate (Django answers "
            "500 and logs it), never a catch-all Exception handler.",
        )
    return f"{len(cases)} domain errors mapped to 4xx with the one body; a bug still propagates."
