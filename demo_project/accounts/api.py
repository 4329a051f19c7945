"""POST /auth/token: a signed token for a valid username and password."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router

from demo_project.errors import NotAuthenticated

from .schemas import TokenIn, TokenOut
from .tokens import token_issue

BAD_CREDENTIALS = "The username or password is wrong."

router = Router(tags=["auth"])


@router.post("/token", response=TokenOut, auth=None)
def obtain_token(request: HttpRequest, data: TokenIn):
    user = authenticate(request, username=data.username, password=data.password)
    if user is None:
        raise NotAuthenticated(BAD_CREDENTIALS)
    return TokenOut(
        access_token=token_issue(user),
        expires_in=int(settings.JWT_LIFETIME.total_seconds()),
    )
