"""POST /auth/token: a signed token for a valid username and password."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router
from ninja.throttling import AnonRateThrottle

from demo_project.errors import NotAuthenticated
from demo_project.schemas import error_responses

from .schemas import TokenIn, TokenOut
from .tokens import token_issue

BAD_CREDENTIALS = "The username or password is wrong."

router = Router(tags=["auth"])


class TokenThrottle(AnonRateThrottle):
    """Ninja's per-address throttle, at ``settings.TOKEN_THROTTLE_RATE``.

    The rate is read at each request, not once at import, so that a test or a lesson can
    change the setting. Every try counts, right or wrong: a brute-force run is slowed the
    same whether it guesses or not.
    """

    scope = "token"

    def __init__(self) -> None:
        pass

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = settings.TOKEN_THROTTLE_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


@router.post(
    "/token",
    response={200: TokenOut, **error_responses(400, 401, 413, 415, 422, 429)},
    auth=None,
    throttle=TokenThrottle(),
)
def obtain_token(request: HttpRequest, data: TokenIn):
    """Trade a username and password for a bearer token (a few tries a minute per address)."""
    user = authenticate(request, username=data.username, password=data.password)
    if user is None:
        raise NotAuthenticated(BAD_CREDENTIALS)
    return TokenOut(
        access_token=token_issue(user),
        expires_in=int(settings.JWT_LIFETIME.total_seconds()),
    )
