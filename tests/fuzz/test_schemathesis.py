"""Property-based tests generated from each service's /openapi.json (schemathesis).

Every generated case goes to the service directly and through the gateway (paths under
/api/catalog or /api/session). Checks: no 5xx, status codes the document declares, bodies that
match the declared schemas, declared content types. Unsafe calls carry a signed-in identity
(direct: an X-Identity assertion on every other case; gateway: the session cookie and, on every
other session case, X-CSRF-Token), so they are exercised beyond 401/403. Deterministic
(derandomize) and bounded by max_examples per operation.

schemathesis.pytest's lazy fixture loader fails under pytest 9 ('Function' object has no attribute
'_nodeid'), so each operation's hypothesis test is run by hand inside one pytest test per service.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from shop_common.identity import sign_identity

# Per operation; operations without inputs yield a single case, so session-service (fewer inputs)
# needs more per operation to reach MIN_CASES_PER_SERVICE.
MAX_EXAMPLES = {"catalog": 90, "session": 160}
MIN_CASES_PER_SERVICE = 1000
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
# Internal routes the gateway answers 404 for on purpose (tests/integration and tests/security check that).
NOT_THROUGH_GATEWAY = {"/internal/credentials/verify", "/auth"}

HYPOTHESIS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as generated
    suppress_health_check=list(HealthCheck),
)


def fuzz(schema: Any, send: Callable[[Any, int], None], max_examples: int) -> int:
    """Run `send(case, n)` on generated cases of each operation; return the count, fail with all problems."""
    count = 0
    problems: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(HYPOTHESIS, max_examples=max_examples)
        def run(case: Any) -> None:
            nonlocal count
            count += 1
            send(case, count)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - collect every operation's failure, then report
            problems.append(f"{operation.label}: {str(error)[:2000]}")
    assert not problems, "\n\n".join(problems)
    return count


def through(case: Any, base_url: str, **kwargs: Any) -> requests.Response:
    return case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=10, **kwargs)


def test_catalog_service(stack: Any, catalog_schema: Any, fuzz_user: Any, internal_secret: str) -> None:
    me = fuzz_user.get("/api/session/me").json()["user"]

    def send(case: Any, n: int) -> None:
        headers = {}
        if n % 2 and "X-Identity" in (case.headers or {}):
            headers["X-Identity"] = sign_identity(internal_secret, int(me["id"]), str(me["username"]))
        through(case, stack.catalog_url, headers=headers)
        if case.path in NOT_THROUGH_GATEWAY:
            return
        through(
            case,
            f"{stack.gateway_url}/api/catalog",
            headers={"X-CSRF-Token": fuzz_user.csrf_token},
            cookies={"sid": fuzz_user.cookies.get("sid")},
        )

    count = fuzz(catalog_schema, send, MAX_EXAMPLES["catalog"])
    print(f"{count} generated cases")
    assert count >= MIN_CASES_PER_SERVICE


def test_session_service(stack: Any, session_schema: Any, fuzz_user: Any) -> None:
    def send(case: Any, n: int) -> None:
        # logout would end the shared session and a lucky login would replace it: those go without it
        signed = case.path not in {"/logout", "/login"}
        headers = {"X-CSRF-Token": fuzz_user.csrf_token} if signed and n % 2 else {}
        cookies = {"sid": fuzz_user.cookies.get("sid")} if signed else {}
        through(case, stack.session_url, headers=headers, cookies=cookies)
        if case.path in NOT_THROUGH_GATEWAY:
            return
        through(case, f"{stack.gateway_url}/api/session", headers=headers, cookies=cookies)

    try:
        count = fuzz(session_schema, send, MAX_EXAMPLES["session"])
    finally:
        time.sleep(3)  # generated logins filled the gateway's login bucket: let it drain for later tests
    print(f"{count} generated cases")
    assert count >= MIN_CASES_PER_SERVICE
