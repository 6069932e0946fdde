"""The app gunicorn.reload.py serves: the service's wsgi:app, or, while its code does not load (a syntax
error half-way through an edit), an answer saying so: a JSON 503 in the services' error shape, at
once, instead of a dead worker and a gateway waiting for it. Saving the fix reloads the real app.
"""

import json
import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any


def not_loaded(problem: str) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """A WSGI app answering every request with a JSON 503 that names `problem`."""
    message = f"The service's code does not load ({problem}); save a fix and it reloads."

    def answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        error = {"code": "unavailable", "message": message, "request_id": request_id}
        body = json.dumps({"error": error}).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response("503 Service Unavailable", [*headers, ("Retry-After", "1")])
        return [body]

    return answer


app: Any
try:
    from wsgi import app  # type: ignore[import-not-found, no-redef]  # the service's, from its directory
except Exception as error:  # noqa: BLE001 - whatever stops the import, say so on every request
    logging.getLogger("reload").error("the app did not load:\n%s", traceback.format_exc())
    app = not_loaded(f"{type(error).__name__}: {error}")
