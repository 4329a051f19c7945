"""The catalog's endpoints: thin functions that parse, call one selector or service, return."""

from django.http import HttpRequest
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition
from ninja import Path, Query, Router
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from demo_project.accounts.auth import jwt_auth
from demo_project.pagination import BoundedCursorPagination, BoundedPageNumberPagination

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


@router.get("/items/", response=list[ItemOut])
@paginate(BoundedPageNumberPagination)
def list_items(
    request: HttpRequest, filters: Query[ItemFilter], ordering: ItemOrdering = "-created_at"
):
    """List items, filtered and ordered, a page at a time."""
    return selectors.item_list(filters=filters, ordering=ordering)


@router.get("/items/cursor/", response=list[ItemCursorOut])
@paginate(BoundedCursorPagination, ordering=("-created_at", "-id"))
def list_items_by_cursor(request: HttpRequest, filters: Query[ItemFilter]):
    """List items newest first, by cursor: a deep page costs as little as the first."""
    return selectors.item_list(filters=filters)


# A single response code is the status Ninja answers with: no (status, body) tuple,
# which Ninja 1.7 deprecates.
@router.post("/items/", response={201: ItemOut}, auth=jwt_auth)
def create_item(request: HttpRequest, data: ItemIn):
    item = services.item_create(owner=request.auth, **data.model_dump())
    return selectors.item_get(item.pk)


@router.get("/items/{item_id}", response=ItemOut)
def get_item(request: HttpRequest, item_id: int = ItemId):
    return selectors.item_get(item_id)


@router.put("/items/{item_id}", response=ItemOut, auth=jwt_auth)
def replace_item(request: HttpRequest, data: ItemIn, item_id: int = ItemId):
    services.item_update(item_id=item_id, user=request.auth, data=data.model_dump())
    return selectors.item_get(item_id)


@router.patch("/items/{item_id}", response=ItemOut, auth=jwt_auth)
def update_item(request: HttpRequest, data: ItemPatch, item_id: int = ItemId):
    changes = data.model_dump(exclude_unset=True)
    services.item_update(item_id=item_id, user=request.auth, data=changes)
    return selectors.item_get(item_id)


@router.delete("/items/{item_id}", response={204: None}, auth=jwt_auth)
def delete_item(request: HttpRequest, item_id: int = ItemId):
    services.item_delete(item_id=item_id, user=request.auth)


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
