"""Bearer authentication for Ninja operations."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from .tokens import token_user


class JWTAuth(HttpBearer):
    """Authenticate ``Authorization: Bearer <token>``; the user lands in ``request.auth``."""

    def authenticate(self, request: HttpRequest, token: str):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


jwt_auth = JWTAuth()


def reader(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """Return who reads: the user a bearer token names, or anonymous without a token.

    For endpoints anyone may call whose answer depends on who asks. A token that is sent
    but not valid is a 401, as on the endpoints that require one.
    """
    if "Authorization" not in request.headers:
        return AnonymousUser()
    user = jwt_auth(request)
    if user is None:
        raise AuthenticationError
    return user
