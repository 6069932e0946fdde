"""The API explorer's files at /api/docs/: served from GATEWAY_API_DOCS_ROOT under the site's own
Content-Security-Policy (no path gets a looser one), never the shop's index.html."""

import pytest
import requests

from .test_routing import assert_security_headers

SITE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture(scope="module")
def docs_gateway(start_module_gateway, tmp_path_factory):
    root = tmp_path_factory.mktemp("api-docs")
    root.chmod(0o755)
    (root / "index.html").write_text("<!doctype html><title>API explorer</title>\n")
    (root / "vendor").mkdir(mode=0o755)
    (root / "vendor" / "swagger-ui-bundle.js").write_text("'use strict';\n")
    for parent in (root, root.parent, root.parent.parent):
        parent.chmod(0o755)  # nginx's workers run as nobody when the tests run as root
    return start_module_gateway(GATEWAY_API_DOCS_ROOT=str(root))


@pytest.mark.parametrize(
    ("path", "text", "content_type"),
    [
        ("/api/docs/", "API explorer", "text/html"),
        ("/api/docs/index.html", "API explorer", "text/html"),
        ("/api/docs/vendor/swagger-ui-bundle.js", "use strict", "text/javascript"),
    ],
)
def test_api_docs_files_are_served_under_the_site_csp(docs_gateway, path, text, content_type):
    response = requests.get(docs_gateway.url + path, timeout=5)
    assert response.status_code == 200
    assert text in response.text
    assert response.headers["Content-Type"].startswith(content_type)
    assert response.headers["Content-Security-Policy"] == SITE_CSP
    assert_security_headers(response)


def test_api_docs_without_a_slash_redirects_and_missing_files_are_json_404(docs_gateway):
    response = requests.get(f"{docs_gateway.url}/api/docs", allow_redirects=False, timeout=5)
    assert (response.status_code, response.headers["Location"]) == (301, "/api/docs/")
    missing = requests.get(f"{docs_gateway.url}/api/docs/nothing.js", timeout=5)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_the_site_csp_is_the_one_everywhere(gateway):
    assert requests.get(f"{gateway.url}/", timeout=5).headers["Content-Security-Policy"] == SITE_CSP
