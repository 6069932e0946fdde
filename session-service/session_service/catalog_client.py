"""The one call this service makes to catalog-service: checking a username and password."""

import logging
from dataclasses import dataclass

import requests
from shop_common.errors import ApiError
from shop_common.metrics import note_unavailable
from shop_common.web import INTERNAL_SECRET_HEADER

log = logging.getLogger(__name__)

BAD_CREDENTIALS = "Wrong username or password."


@dataclass(frozen=True)
class VerifiedUser:
    id: int
    username: str


class CatalogClient:
    """Verifies credentials with catalog-service's internal API."""

    def __init__(self, base_url: str, internal_secret: str, timeout: float) -> None:
        self.url = f"{base_url.rstrip('/')}/internal/credentials/verify"
        self.internal_secret = internal_secret
        self.timeout = timeout

    def verify_credentials(self, username: str, password: str) -> VerifiedUser:
        """Return the user, raise 401 for bad credentials or 503 when catalog-service cannot answer."""
        try:
            response = requests.post(
                self.url,
                json={"username": username, "password": password},
                headers={INTERNAL_SECRET_HEADER: self.internal_secret},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            log.warning("catalog-service unreachable for credential check: %s", type(error).__name__)
            raise _unavailable() from None
        if response.status_code == 401:
            raise ApiError(401, BAD_CREDENTIALS)
        if response.status_code != 200:
            # 403 here means INTERNAL_SECRET differs between the services: a deployment error
            log.error("catalog-service answered %s to a credential check", response.status_code)
            raise _unavailable()
        try:
            body = response.json()
            user = VerifiedUser(id=int(body["id"]), username=str(body["username"]))
        except (ValueError, KeyError, TypeError):
            log.error("catalog-service sent an unreadable credential answer")
            raise _unavailable() from None
        return user


def _unavailable() -> ApiError:
    note_unavailable("catalog-service")  # this 503 is not Redis's doing
    return ApiError(503, "Sign-in is unavailable right now; please try again shortly.")
