"""Two endpoints that wait on a slow service: one sync, one async (lesson 09's servers).

Each reads one item, then waits ``wait_ms`` milliseconds for a service that answers
slowly; the sleep stands for the network call (a payment provider, a search engine).
``serving.serve()`` runs them in real servers: the async one under uvicorn, the sync one
on a fixed pool of threads. This module is their URLconf.
"""

import asyncio
import time

from django.shortcuts import aget_object_or_404, get_object_or_404
from django.urls import path
from ninja import NinjaAPI, Query
from pydantic import BaseModel, Field

from demo_project.catalog.models import Item

api = NinjaAPI(title="Slow I/O", urls_namespace="slow-io", docs_url=None)


class Wait(BaseModel):
    wait_ms: int = Field(50, ge=0, le=1000)


@api.get("/sync/{item_id}")
def item_sync(request, item_id: int, wait: Query[Wait]):
    """Read an item, then wait for the slow service: the thread serves no one meanwhile."""
    item = get_object_or_404(Item, pk=item_id)
    time.sleep(wait.wait_ms / 1000)
    return {"id": item.pk, "name": item.name}


@api.get("/async/{item_id}")
async def item_async(request, item_id: int, wait: Query[Wait]):
    """Read an item, then wait for the slow service: the loop serves others meanwhile."""
    item = await aget_object_or_404(Item, pk=item_id)
    await asyncio.sleep(wait.wait_ms / 1000)
    return {"id": item.pk, "name": item.name}


urlpatterns = [path("", api.urls)]
