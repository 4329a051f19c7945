"""Bearer authentication for Ninja operations."""

from django.http import HttpRequest
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
