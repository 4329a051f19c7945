"""Two endpoints that wait on a slow service: one sync, one async (lesson 09's servers).

Each waits ``wait_ms`` milliseconds for a service that answers slowly; the sleep stands
for the network call (a payment provider, a search engine). They touch no database, so
that what the servers of ``serving.serve()`` are compared on is the waiting alone: the
async one under uvicorn, the sync one on a fixed pool of threads. This is their URLconf.
"""

import asyncio
import time

from django.urls import path
from ninja import NinjaAPI, Query
from pydantic import BaseModel, Field

api = NinjaAPI(title="Slow I/O", urls_namespace="slow-io", docs_url=None)


class Wait(BaseModel):
    wait_ms: int = Field(50, ge=0, le=1000)


@api.get("/sync")
def wait_sync(request, wait: Query[Wait]):
    """Wait for the slow service: the thread serves no one meanwhile."""
    time.sleep(wait.wait_ms / 1000)
    return {"waited_ms": wait.wait_ms}


@api.get("/async")
async def wait_async(request, wait: Query[Wait]):
    """Wait for the slow service: the loop serves other requests meanwhile."""
    await asyncio.sleep(wait.wait_ms / 1000)
    return {"waited_ms": wait.wait_ms}


urlpatterns = [path("", api.urls)]
