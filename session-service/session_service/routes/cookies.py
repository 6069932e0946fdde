"""The remember-me cookie: the last username that asked to be remembered, for the login form."""

from flask import Blueprint, Response, current_app, request

from ..csrf import csrf_protected
from ..sessions import secure_cookies
from .auth import REMEMBER_COOKIE

bp = Blueprint("cookies", __name__)


@bp.get("/remembered")
def get_remembered() -> dict[str, str | None]:
    """Return the remembered username, or null."""
    return {"username": request.cookies.get(REMEMBER_COOKIE)}


@bp.delete("/remembered")
@csrf_protected
def delete_remembered() -> Response:
    """Forget the remembered username."""
    response = current_app.make_response(("", 204))
    response.delete_cookie(
        REMEMBER_COOKIE,
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(),
    )
    return response
