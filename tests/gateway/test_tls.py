"""HTTPS on the gateway: the TLS listener, HTTPS-only (production) mode and TLS ended by a proxy in front."""

import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
import requests
from shop_stack.system import free_port

from .support import REPO, TlsFiles, fake_nginx, make_tls_files, render, unreached
from .test_config import LOCAL, nginx_test, render_ok
from .test_routing import GOOD_SESSION as GOOD_SESSION_COOKIE

PRODUCTION = {"APP_ENV": "production", "HSTS_MAX_AGE": "1234"}


@pytest.fixture(scope="module")
def tls_gateway(start_module_gateway, tls_files):
    """Development mode: both listeners serve the same site."""
    return start_module_gateway(**tls_files.env())


@pytest.fixture(scope="module")
def production_gateway(start_module_gateway, tls_files):
    return start_module_gateway(**tls_files.env(), **PRODUCTION)


def handshake(gw, tls_files: TlsFiles, host: str = "localhost", **options) -> ssl.SSLSocket:
    """A TLS connection to gw's TLS listener; options: minimum/maximum version, ciphers, alpn."""
    context = ssl.create_default_context(cafile=tls_files.ca)
    if "ciphers" in options:
        context.set_ciphers(options["ciphers"])
    for name in ("minimum_version", "maximum_version"):
        if name in options:
            setattr(context, name, options[name])
    if "alpn" in options:
        context.set_alpn_protocols(options["alpn"])
    raw = socket.create_connection(("127.0.0.1", gw.tls_port), timeout=5)
    return context.wrap_socket(raw, server_hostname=host)


def refusal(gw, tls_files, **options) -> str:
    """The reason the handshake failed (the server's alert); fails if it succeeded."""
    with pytest.raises(ssl.SSLError) as refused:
        handshake(gw, tls_files, **options).close()
    return str(refused.value.reason)


# --- the TLS listener ---------------------------------------------------------------------------


def test_https_serves_the_same_site_as_http(tls_gateway, tls_files, catalog):
    for base in (tls_gateway.url, tls_gateway.https_url):
        page = requests.get(f"{base}/", timeout=5, verify=tls_files.ca)
        assert page.status_code == 200 and "<title>shop</title>" in page.text
        api = requests.get(f"{base}/api/catalog/goods", timeout=5, verify=tls_files.ca)
        assert api.json()["path"] == "/goods"
        assert "Strict-Transport-Security" not in api.headers  # development mode


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_the_certificate_verifies_for_both_loopback_names(tls_gateway, tls_files, host):
    url = f"https://{host}:{tls_gateway.tls_port}/healthz"
    assert requests.get(url, timeout=5, verify=tls_files.ca).status_code == 200


def test_a_client_that_does_not_trust_the_ca_is_refused_by_its_own_check(tls_gateway):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{tls_gateway.https_url}/healthz", timeout=5)


def test_http2_is_offered_on_the_tls_listener(tls_gateway, tls_files):
    with handshake(tls_gateway, tls_files, alpn=["h2", "http/1.1"]) as conn:
        assert conn.selected_alpn_protocol() == "h2"


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1], ids=["1.0", "1.1"])
def test_tls_1_0_and_1_1_are_refused(tls_gateway, tls_files, version):
    # SECLEVEL=0 lets this client offer the old versions at all, so the refusal is the server's.
    old = {"minimum_version": version, "maximum_version": version, "ciphers": "DEFAULT:@SECLEVEL=0"}
    assert refusal(tls_gateway, tls_files, **old) in {"TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL"}
    tls12 = {**old, "minimum_version": ssl.TLSVersion.TLSv1_2, "maximum_version": ssl.TLSVersion.TLSv1_2}
    with handshake(tls_gateway, tls_files, **tls12) as conn:
        assert conn.version() == "TLSv1.2"


def test_tls_1_2_takes_only_the_intermediate_ciphers(tls_gateway, tls_files):
    tls12 = {"maximum_version": ssl.TLSVersion.TLSv1_2}
    # CBC with SHA-1: in OpenSSL's and nginx's defaults, not in Mozilla's intermediate profile
    reason = refusal(tls_gateway, tls_files, **tls12, ciphers="ECDHE-ECDSA-AES128-SHA")
    assert reason == "SSLV3_ALERT_HANDSHAKE_FAILURE"
    with handshake(tls_gateway, tls_files, **tls12, ciphers="ECDHE-ECDSA-CHACHA20-POLY1305") as conn:
        assert conn.cipher()[0] == "ECDHE-ECDSA-CHACHA20-POLY1305"


def test_session_tickets_are_off(tls_gateway, tls_files):
    with handshake(tls_gateway, tls_files, maximum_version=ssl.TLSVersion.TLSv1_2) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        assert conn.recv(100).startswith(b"HTTP/1.1 200")
        assert conn.session is not None and not conn.session.has_ticket


def test_plain_http_to_the_tls_port_is_refused_with_json(tls_gateway, catalog):
    with unreached(catalog):
        response = requests.get(f"http://127.0.0.1:{tls_gateway.tls_port}/api/catalog/goods", timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_services_are_told_the_scheme_and_a_clients_claim_is_replaced(tls_gateway, tls_files, catalog):
    claims = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on", "X-Forwarded-Protocol": "ssl"}
    requests.get(f"{tls_gateway.url}/api/catalog/goods", headers=claims, timeout=5)
    assert catalog.last()["headers"]["x-forwarded-proto"] == "http"
    assert {"x-forwarded-ssl", "x-forwarded-protocol"} & set(catalog.last()["headers"]) == set()
    claims["X-Forwarded-Proto"] = "http"
    requests.get(f"{tls_gateway.https_url}/api/catalog/goods", headers=claims, timeout=5, verify=tls_files.ca)
    assert catalog.last()["headers"]["x-forwarded-proto"] == "https"


def test_the_origin_check_knows_the_https_origin(tls_gateway, tls_files, catalog):
    own = {"Origin": tls_gateway.https_url, **GOOD_SESSION_COOKIE, "X-CSRF-Token": "tok"}
    url = f"{tls_gateway.https_url}/api/catalog/me/goods/3"
    assert requests.put(url, headers=own, timeout=5, verify=tls_files.ca).status_code == 200
    plain_origin = {**own, "Origin": tls_gateway.https_url.replace("https:", "http:")}
    with unreached(catalog):
        refused = requests.put(url, headers=plain_origin, timeout=5, verify=tls_files.ca)
    assert refused.status_code == 403


# --- HTTPS-only (production) mode --------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_production_http_answers_308_to_the_same_url_over_https(production_gateway, catalog, method):
    with unreached(catalog):
        url = f"{production_gateway.url}/api/catalog/goods/7?q=a%20b&x=1"
        response = requests.request(method, url, allow_redirects=False, timeout=5)
    assert response.status_code == 308
    expected = f"https://127.0.0.1:{production_gateway.tls_port}/api/catalog/goods/7?q=a%20b&x=1"
    assert response.headers["Location"] == expected
    assert "Strict-Transport-Security" not in response.headers  # browsers ignore it over HTTP


def test_production_keeps_healthz_on_http(production_gateway):
    response = requests.get(f"{production_gateway.url}/healthz", allow_redirects=False, timeout=5)
    assert response.status_code == 200


def test_production_following_the_redirect_lands_on_the_site(production_gateway, tls_files):
    # by name, as a browser would: the certificate is for localhost
    url = f"http://localhost:{production_gateway.port}/index.html"
    response = requests.get(url, timeout=5, verify=tls_files.ca)
    assert response.status_code == 200 and response.url.startswith("https://localhost:")


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/", {}, 200),
        ("GET", "/api/catalog/goods", {}, 200),
        ("GET", "/api/catalog/missing", {}, 404),  # the service's own error
        ("GET", "/api/nope", {}, 404),  # the gateway's
        ("GET", "/api/catalog/me/goods", {}, 401),
        ("PUT", "/api/catalog/me/goods/1", {"Origin": "https://evil.example"}, 403),
        ("POST", "/index.html", {}, 405),
        ("POST", "/api/catalog/goods", {"Content-Length": "100000"}, 413),
        ("GET", "/scripts/none.js", {}, 404),
    ],
)
def test_production_every_https_answer_carries_hsts(
    production_gateway, tls_files, method, path, headers, status
):
    url = production_gateway.https_url + path
    response = requests.request(method, url, headers=headers, data=b"", timeout=5, verify=tls_files.ca)
    assert response.status_code == status
    assert response.headers["Strict-Transport-Security"] == "max-age=1234"


def test_production_hsts_on_an_unreachable_service_502(start_gateway, session, tls_files):
    gw = start_gateway(f"127.0.0.1:{free_port()}", session.address, **tls_files.env(), **PRODUCTION)
    response = requests.get(f"{gw.https_url}/api/catalog/goods", timeout=5, verify=tls_files.ca)
    assert response.status_code == 502
    assert response.headers["Strict-Transport-Security"] == "max-age=1234"


def test_https_only_can_be_asked_for_without_production(start_gateway, catalog, session, tls_files):
    https_only = {"GATEWAY_HTTPS_ONLY": "on", "HSTS_MAX_AGE": "5"}
    gw = start_gateway(catalog.address, session.address, **tls_files.env(), **https_only)
    assert requests.get(f"{gw.url}/", allow_redirects=False, timeout=5).status_code == 308
    https = requests.get(f"{gw.https_url}/", timeout=5, verify=tls_files.ca)
    assert https.headers["Strict-Transport-Security"] == "max-age=5"


# --- TLS ended in front of the gateway (GATEWAY_TLS=off, a trusted proxy) ----------------------


def test_behind_a_tls_proxy_browser_writes_pass_the_origin_check(start_gateway, catalog, session):
    """A Kubernetes Ingress ends TLS and forwards over HTTP: the browser's Origin is https://."""
    proxied = {"X-Forwarded-Proto": "https", **GOOD_SESSION_COOKIE, "X-CSRF-Token": "tok"}
    gw = start_gateway(catalog.address, session.address, REAL_IP_FROM="127.0.0.1")
    origin = {"Origin": f"https://127.0.0.1:{gw.port}"}
    response = requests.put(f"{gw.url}/api/catalog/me/goods/3", headers={**proxied, **origin}, timeout=5)
    assert response.status_code == 200, response.text
    assert catalog.last()["headers"]["x-forwarded-proto"] == "https"


def test_only_a_trusted_proxy_may_say_the_scheme(start_gateway, catalog, session):
    claims = {"X-Forwarded-Proto": "https", **GOOD_SESSION_COOKIE, "X-CSRF-Token": "tok"}
    gw = start_gateway(catalog.address, session.address, REAL_IP_FROM="10.0.0.0/8")  # not this client
    with unreached(catalog):
        response = requests.put(
            f"{gw.url}/api/catalog/me/goods/3",
            headers={**claims, "Origin": f"https://127.0.0.1:{gw.port}"},
            timeout=5,
        )
    assert response.status_code == 403
    requests.get(f"{gw.url}/api/catalog/goods", headers=claims, timeout=5)
    assert catalog.last()["headers"]["x-forwarded-proto"] == "http"


def test_behind_a_tls_proxy_production_adds_hsts_to_https_answers_only(start_gateway, catalog, session):
    gw = start_gateway(catalog.address, session.address, REAL_IP_FROM="127.0.0.1", **PRODUCTION)
    https = requests.get(f"{gw.url}/", headers={"X-Forwarded-Proto": "https"}, timeout=5)
    assert https.status_code == 200  # no listener of its own to redirect to: the proxy's job
    assert https.headers["Strict-Transport-Security"] == "max-age=1234"
    plain = requests.get(f"{gw.url}/", headers={"X-Forwarded-Proto": "http"}, timeout=5)
    assert plain.status_code == 200 and "Strict-Transport-Security" not in plain.headers


# --- render.sh ---------------------------------------------------------------------------------


@pytest.fixture
def out(tmp_path: Path) -> Path:
    path = tmp_path / "conf"
    path.mkdir()
    path.chmod(0o755)
    return path


def test_tls_is_off_unless_asked_for(out, static_root):
    runtime = render_ok(out, **LOCAL, GATEWAY_STATIC_ROOT=str(static_root))
    assert "ssl" not in runtime and "8443" not in runtime


@pytest.mark.parametrize(
    ("version", "listen"),
    [("1.30.4", "listen 8443 ssl;\n    http2 on;"), ("1.22.1", "listen 8443 ssl http2;")],
)
def test_http2_takes_the_form_this_nginx_knows(out, tmp_path, tls_files, version, listen):
    runtime = render_ok(out, **LOCAL, **tls_files.env(), PATH=fake_nginx(tmp_path, version))
    assert listen in runtime
    assert f'ssl_certificate "{tls_files.directory}/tls.crt";' in runtime
    assert "include tls.conf;" in runtime


def test_tls_settings_are_mozilla_intermediate_without_tickets():
    tls = (REPO / "gateway" / "conf" / "tls.conf").read_text()
    assert "\nssl_protocols TLSv1.2 TLSv1.3;\n" in tls
    assert "\nssl_session_tickets off;\n" in tls
    ciphers = tls.split("\nssl_ciphers ", 1)[1].split(";", 1)[0].split(":")
    assert all(c.startswith("ECDHE-") and ("GCM" in c or "CHACHA20" in c) for c in ciphers)


def test_stapling_only_for_a_certificate_with_an_ocsp_responder(nginx_bin, out, tmp_path, tls_files):
    runtime = render_ok(out, **LOCAL, **tls_files.env(), GATEWAY_TLS_LISTEN="127.0.0.1:18443")
    assert "ssl_stapling" not in runtime
    ocsp = tmp_path / "ocsp"
    shutil.copytree(tls_files.directory, ocsp)
    ext = tmp_path / "ext.cnf"
    ext.write_text(
        "[leaf]\nsubjectAltName = DNS:localhost\nauthorityInfoAccess = OCSP;URI:http://127.0.0.1:9/\n"
    )
    csr = subprocess.run(
        ["openssl", "req", "-new", "-key", ocsp / "tls.key", "-subj", "/CN=localhost"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(
        ["openssl", "x509", "-req", "-days", "2", "-CA", ocsp / "ca.crt", "-CAkey", ocsp / "ca.key"]
        + ["-set_serial", "7", "-extfile", ext, "-extensions", "leaf", "-out", ocsp / "tls.crt"],
        input=csr,
        capture_output=True,
        check=True,
    )
    env = {**LOCAL, "GATEWAY_TLS": "on", "GATEWAY_TLS_LISTEN": "127.0.0.1:18443"}
    env |= {"TLS_CERT_FILE": str(ocsp / "tls.crt"), "TLS_KEY_FILE": str(ocsp / "tls.key")}
    runtime = render_ok(out, **env, GATEWAY_STATIC_ROOT=str(out))
    assert "ssl_stapling on;\n    ssl_stapling_verify on;" in runtime
    assert "resolver " in runtime  # to find the responder by name, even with fixed upstreams
    result = nginx_test(nginx_bin, out)
    assert result.returncode == 0, result.stderr


def test_the_rendered_tls_config_passes_nginx_t(nginx_bin, out, tls_files, static_root):
    render_ok(out, **LOCAL, **tls_files.env(), **PRODUCTION, GATEWAY_STATIC_ROOT=str(static_root))
    result = nginx_test(nginx_bin, out)
    assert result.returncode == 0, result.stderr
    assert "warn" not in result.stderr


@pytest.mark.parametrize(
    "bad",
    [
        {"GATEWAY_TLS": "yes"},
        {"GATEWAY_TLS": "on", "TLS_CERT_FILE": "/nonexistent/tls.crt"},
        {"GATEWAY_TLS": "on", "TLS_KEY_FILE": "relative.key"},
        {"GATEWAY_TLS": "on", "GATEWAY_TLS_LISTEN": "x"},
        {"GATEWAY_TLS": "on", "GATEWAY_TLS_PORT": "84a3"},
        {"GATEWAY_HTTPS_ONLY": "sometimes"},
        {"HSTS_MAX_AGE": "", "APP_ENV": "production"},  # production needs HSTS_MAX_AGE (compose gives it)
        {"HSTS_MAX_AGE": "1y", "GATEWAY_HTTPS_ONLY": "on"},
    ],
)
def test_render_refuses_bad_tls_input(out, tls_files, bad):
    env = {**LOCAL, "GATEWAY_STATIC_ROOT": "/srv"}
    if bad.get("GATEWAY_TLS") == "on":
        env |= tls_files.env()
    result = render(out, **{**env, **bad})
    assert result.returncode == 2, result.stderr
    named = next(name for name in bad if name not in {"GATEWAY_TLS", "APP_ENV"} or len(bad) == 1)
    assert f"gateway: {named}:" in result.stderr
    assert not (out / "runtime.conf").exists()


def test_a_throwaway_ca_is_made_once_and_reused(tmp_path):
    first = make_tls_files(tmp_path / "tls")
    before = {name: (first.directory / name).read_bytes() for name in ("ca.crt", "tls.crt", "tls.key")}
    make_tls_files(tmp_path / "tls")
    assert {name: (first.directory / name).read_bytes() for name in before} == before
    assert oct((first.directory / "ca.key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("name", "vouched"),
    [("DNS:localhost", True), ("IP:127.0.0.1", True), ("DNS:example.com", False), ("IP:10.0.0.1", False)],
)
def test_the_development_ca_vouches_only_for_localhost_and_loopback(tmp_path, name, vouched):
    """Its name constraints: a leaked ca.key cannot sign a certificate a trusting browser accepts for
    another site. A certificate for `name`, signed with the CA's own key, verifies only for loopback."""
    tls = make_tls_files(tmp_path / "tls")
    ca = tls.directory
    key, request, leaf, extensions = (tmp_path / f"leaf.{ext}" for ext in ("key", "csr", "crt", "cnf"))
    extensions.write_text(f"subjectAltName = {name}\n")

    def openssl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)

    made = openssl(
        *("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"),
        *("-keyout", str(key), "-out", str(request), "-subj", "/CN=leaf"),
    )
    assert made.returncode == 0, made.stderr
    signed = openssl(
        *("x509", "-req", "-in", str(request), "-CA", str(ca / "ca.crt"), "-CAkey", str(ca / "ca.key")),
        *("-CAcreateserial", "-days", "1", "-extfile", str(extensions), "-out", str(leaf)),
    )
    assert signed.returncode == 0, signed.stderr
    verified = openssl("verify", "-CAfile", str(ca / "ca.crt"), str(leaf))
    assert (verified.returncode == 0) == vouched, verified.stdout + verified.stderr
    if not vouched:
        assert "subtree violation" in verified.stdout + verified.stderr
