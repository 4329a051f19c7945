"""The catalog's endpoints: thin functions that parse, call one selector or service, return."""

from django.http import HttpRequest
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition
from ninja import Path, Query, Router, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from demo_project.accounts.auth import jwt_auth, reader
from demo_project.pagination import BoundedCursorPagination, BoundedPageNumberPagination
from demo_project.schemas import error_responses

from . import caching, selectors, services
from .schemas import (
    CategoryOut,
    ItemCursorOut,
    ItemFilter,
    ItemIn,
    ItemOrdering,
    ItemOut,
    ItemPatch,
    TagOut,
)

router = Router(tags=["catalog"])

ItemId = Path(..., ge=1, le=2**63 - 1, description="The item's id.")
# The errors each kind of operation can answer, in the one error body (README, "Status codes").
READ_ERRORS = error_responses(422)
ONE_ITEM_ERRORS = error_responses(404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 413, 415, 422)


@router.get("/items/", response={200: list[ItemOut], **READ_ERRORS})
@paginate(BoundedPageNumberPagination)
def list_items(
    request: HttpRequest, filters: Query[ItemFilter], ordering: ItemOrdering = "-created_at"
):
    """List items, filtered and ordered, a page at a time.

    Anonymous clients see active items; a bearer token adds its user's inactive ones
    (every item, for staff). Filters narrow that, so anonymous ?is_active=false is empty.
    """
    return selectors.item_list(filters=filters, ordering=ordering, user=reader(request))


@router.get("/items/cursor/", response={200: list[ItemCursorOut], **READ_ERRORS})
@paginate(BoundedCursorPagination, ordering=("-created_at", "-id"))
def list_items_by_cursor(request: HttpRequest, filters: Query[ItemFilter]):
    """List items newest first, by cursor: a deep page costs as little as the first.

    The same items as the page list: active ones, plus the token's user's inactive ones.
    """
    return selectors.item_list(filters=filters, user=reader(request))


@router.post(
    "/items/", response={201: ItemOut, **error_responses(400, 401, 413, 415, 422)}, auth=jwt_auth
)
def create_item(request: HttpRequest, data: ItemIn):
    item = services.item_create(owner=request.auth, **data.model_dump())
    return Status(201, selectors.item_get(item.pk))


@router.get("/items/{item_id}", response={200: ItemOut, **ONE_ITEM_ERRORS})
def get_item(request: HttpRequest, item_id: int = ItemId):
    """Read one item; an inactive one is a 404 except to its owner and staff."""
    return selectors.item_get(item_id, user=reader(request))


@router.put("/items/{item_id}", response={200: ItemOut, **WRITE_ERRORS}, auth=jwt_auth)
def replace_item(request: HttpRequest, data: ItemIn, item_id: int = ItemId):
    services.item_update(item_id=item_id, user=request.auth, data=data.model_dump())
    return selectors.item_get(item_id)


@router.patch("/items/{item_id}", response={200: ItemOut, **WRITE_ERRORS}, auth=jwt_auth)
def update_item(request: HttpRequest, data: ItemPatch, item_id: int = ItemId):
    changes = data.model_dump(exclude_unset=True)
    services.item_update(item_id=item_id, user=request.auth, data=changes)
    return selectors.item_get(item_id)


@router.delete(
    "/items/{item_id}", response={204: None, **error_responses(401, 403, 404, 422)}, auth=jwt_auth
)
def delete_item(request: HttpRequest, item_id: int = ItemId):
    services.item_delete(item_id=item_id, user=request.auth)
    return Status(204, None)


# The ETag is the catalog's cache version: it changes with every write, so a client that
# sends it back in If-None-Match gets a 304 with no body and no query. no-cache: a client
# may keep the body but must ask again, with the ETag, before each use.
@router.get("/categories/", response=list[CategoryOut])
@decorate_view(condition(etag_func=caching.catalog_etag), cache_control(no_cache=True))
def list_categories(request: HttpRequest):
    """List categories with their item counts (cached until the catalog changes)."""
    return selectors.category_list_cached()


@router.get("/tags/", response=list[TagOut])
def list_tags(request: HttpRequest):
    return selectors.tag_list()
