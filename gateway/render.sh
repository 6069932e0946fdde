#!/bin/sh
# The gateway's one config generator, for local processes and containers alike: copies conf/ to
# GATEWAY_CONF_DIR and writes runtime.conf there (upstreams, resolver, listeners, TLS, static root,
# login limit), then runs COMMAND if one is given.
#
#     LOGIN_RATE=RATE LOGIN_BURST=N [VAR=value ...] sh gateway/render.sh [COMMAND ...]
#
# The image's entry point is this script with nginx as the command; stack/ runs it without one.
# POSIX sh only, so it works on the official nginx image, Alpine and a Debian-package stand-in.
#
# Environment:
#   LOGIN_RATE, LOGIN_BURST  required: POST /api/session/login per client address (NNr/m or NNr/s) and
#                            the burst on top; their defaults live in docker-compose.yml, which sets them
#   CATALOG_UPSTREAM         catalog-service:8000; with NGINX_RESOLVER=off a list HOST:PORT[,HOST:PORT...]
#   SESSION_UPSTREAM         session-service:8000
#   GATEWAY_LISTEN           8080, or HOST:PORT
#   GATEWAY_STATUS_LISTEN    unset: nothing; PORT or HOST:PORT: a second server with nginx's stub_status
#                            (status.conf) for prometheus-nginx-exporter; never publish it
#   GATEWAY_STATIC_ROOT      /srv/static-ui (an absolute path)
#   GATEWAY_API_DOCS_ROOT    /srv/api-docs: the API explorer's files (gateway/api-docs with its vendor/)
#   GATEWAY_CONF_DIR         /tmp/nginx: nginx's -p prefix, the only directory written
#   NGINX_RESOLVER           the DNS server(s) that re-resolve service names at run time; default:
#                            the nameservers in /etc/resolv.conf (Docker's 127.0.0.11); "off": fixed
#                            addresses, as the local stack's 127.0.0.1 services have
#   REAL_IP_FROM             unset, or the addresses (IP or CIDR, comma-separated) of a proxy in front,
#                            such as the Swarm stack's edge: a request from them carries the client's
#                            address in X-Real-IP, and the login limit and the log use that one, and
#                            the scheme the browser used in X-Forwarded-Proto (TLS ended in front)
#   GATEWAY_TLS              off (unset): plain HTTP only; on: a second listener speaking TLS (HTTP/2)
#   GATEWAY_TLS_LISTEN       8443, or HOST:PORT: where the TLS listener listens
#   GATEWAY_TLS_PORT         the port browsers reach it on (redirects); default: GATEWAY_TLS_LISTEN's
#   TLS_CERT_FILE            /run/tls/tls.crt: the certificate (PEM, intermediates after it); OCSP
#                            stapling is on when it names a responder (needs the openssl CLI to tell)
#   TLS_KEY_FILE             /run/tls/tls.key: its private key
#   APP_ENV                  production turns on GATEWAY_HTTPS_ONLY unless that says off
#   GATEWAY_HTTPS_ONLY       on: plain HTTP answers 308 to the same URL over HTTPS (with GATEWAY_TLS=on;
#                            /healthz excepted) and every HTTPS answer carries Strict-Transport-Security
#   HSTS_MAX_AGE             seconds, for that header; required when GATEWAY_HTTPS_ONLY is on (its
#                            default lives in docker-compose.yml)
#
# Three shapes of runtime.conf, all read by proxy_pass http://$catalog_backend (routes.conf):
#   static    NGINX_RESOLVER=off: upstream groups with fixed servers and keepalive
#   resolve   nginx >= 1.27.3: upstream groups whose servers nginx re-resolves (`server ... resolve`
#             needs a shared-memory zone), still with keepalive
#   variable  older nginx: the variable holds "name:port", resolved per request through the resolver;
#             finds new replicas but has no keepalive pool
set -eu

conf_src=${GATEWAY_CONF_SRC:-$(dirname "$0")/conf}
conf_dir=${GATEWAY_CONF_DIR:-/tmp/nginx}
resolv_conf=${GATEWAY_RESOLV_CONF:-/etc/resolv.conf}
listen=${GATEWAY_LISTEN:-8080}
status_listen=${GATEWAY_STATUS_LISTEN:-}
static_root=${GATEWAY_STATIC_ROOT:-/srv/static-ui}
api_docs_root=${GATEWAY_API_DOCS_ROOT:-/srv/api-docs}
catalog=${CATALOG_UPSTREAM:-catalog-service:8000}
session=${SESSION_UPSTREAM:-session-service:8000}
login_rate=${LOGIN_RATE:-}
login_burst=${LOGIN_BURST:-}
real_ip_from=${REAL_IP_FROM:-}
tls=${GATEWAY_TLS:-off}
tls_listen=${GATEWAY_TLS_LISTEN:-8443}
tls_port=${GATEWAY_TLS_PORT:-${tls_listen##*:}}
tls_cert=${TLS_CERT_FILE:-/run/tls/tls.crt}
tls_key=${TLS_KEY_FILE:-/run/tls/tls.key}
hsts_max_age=${HSTS_MAX_AGE:-}
https_only=${GATEWAY_HTTPS_ONLY:-}
[ -n "$https_only" ] || { [ "${APP_ENV:-}" = production ] && https_only=on || https_only=off; }

refuse() {  # NAME MESSAGE
    printf 'gateway: %s: %s\n' "$1" "$2" >&2
    exit 2
}

check_host_port() {  # NAME VALUE
    port=${2##*:}
    case $2 in
        *[!A-Za-z0-9._:-]* | :* | *:*:* | *:) refuse "$1" "expected HOST:PORT, got '$2'" ;;
        *:*) ;;
        *) refuse "$1" "expected HOST:PORT, got '$2'" ;;
    esac
    case $port in *[!0-9]*) refuse "$1" "expected HOST:PORT, got '$2'" ;; esac
    [ "${#port}" -le 5 ] || refuse "$1" "expected HOST:PORT, got '$2'"
}

check_host_ports() {  # NAME VALUE: a comma-separated list
    case $2 in
        "" | ,* | *, | *,,* | *[!A-Za-z0-9._:,-]*) refuse "$1" "expected HOST:PORT[,HOST:PORT...], got '$2'" ;;
    esac
    for one in $(echo "$2" | tr ',' ' '); do  # checked above: nothing to glob or split but commas
        check_host_port "$1" "$one"
    done
}

case $login_rate in
    *r/s | *r/m) case ${login_rate%r/?} in "" | *[!0-9]*) refuse LOGIN_RATE "expected a rate like 30r/m or 2r/s, got '$login_rate'" ;; esac ;;
    *) refuse LOGIN_RATE "expected a rate like 30r/m or 2r/s, got '$login_rate'" ;;
esac
case $login_burst in "" | *[!0-9]*) refuse LOGIN_BURST "expected a whole number >= 0, got '$login_burst'" ;; esac
case $real_ip_from in
    ,* | *, | *,,* | *[!0-9A-Fa-f.:/,]*) refuse REAL_IP_FROM "expected addresses or CIDRs, comma-separated, got '$real_ip_from'" ;;
esac
case $listen in
    *:*) check_host_port GATEWAY_LISTEN "$listen" ;;
    "" | *[!0-9]*) refuse GATEWAY_LISTEN "expected PORT or HOST:PORT, got '$listen'" ;;
esac
case $status_listen in
    "") ;;
    *:*) check_host_port GATEWAY_STATUS_LISTEN "$status_listen" ;;
    *[!0-9]*) refuse GATEWAY_STATUS_LISTEN "expected PORT or HOST:PORT, got '$status_listen'" ;;
esac
check_path() {  # NAME VALUE: an absolute path that is safe to write into nginx's config
    case $2 in
        /*) ;;
        *) refuse "$1" "expected an absolute path, got '$2'" ;;
    esac
    case $2 in
        *[[:space:]\"\\\;{}\$\#]*) refuse "$1" "must not contain spaces or nginx syntax: '$2'" ;;
    esac
}
check_path GATEWAY_STATIC_ROOT "$static_root"
check_path GATEWAY_API_DOCS_ROOT "$api_docs_root"
case $tls in on | off) ;; *) refuse GATEWAY_TLS "expected on or off, got '$tls'" ;; esac
case $https_only in on | off) ;; *) refuse GATEWAY_HTTPS_ONLY "expected on or off, got '$https_only'" ;; esac
if [ "$https_only" = on ]; then
    case $hsts_max_age in "" | *[!0-9]*) refuse HSTS_MAX_AGE "expected seconds (a whole number), got '$hsts_max_age'" ;; esac
fi
if [ "$tls" = on ]; then
    case $tls_listen in
        *:*) check_host_port GATEWAY_TLS_LISTEN "$tls_listen" ;;
        "" | *[!0-9]*) refuse GATEWAY_TLS_LISTEN "expected PORT or HOST:PORT, got '$tls_listen'" ;;
    esac
    case $tls_port in "" | *[!0-9]*) refuse GATEWAY_TLS_PORT "expected a port number, got '$tls_port'" ;; esac
    check_path TLS_CERT_FILE "$tls_cert"
    check_path TLS_KEY_FILE "$tls_key"
    [ -r "$tls_cert" ] || refuse TLS_CERT_FILE "cannot read '$tls_cert' (no certificate: scripts/dev-tls.sh makes a development one)"
    [ -r "$tls_key" ] || refuse TLS_KEY_FILE "cannot read '$tls_key'"
fi
check_host_ports CATALOG_UPSTREAM "$catalog"
check_host_port SESSION_UPSTREAM "$session"

# Docker's embedded DNS (127.0.0.11) is what knows the service names and their replicas.
nameservers() {
    found=
    while read -r key value _; do
        [ "$key" = nameserver ] || continue
        case $value in
            *:*:*) value="[$value]" ;;  # nginx wants IPv6 addresses in brackets
        esac
        found="${found:+$found }$value"
    done <"$1"
    printf '%s' "$found"
}

nginx_at_least() {  # MAJOR MINOR PATCH: is the nginx on PATH that version or newer?
    version=$(nginx -v 2>&1)  # "nginx version: nginx/1.30.4", maybe with a " (Ubuntu)" suffix
    version=${version#*nginx/}
    version=${version%% *}
    major=${version%%.*}
    rest=${version#*.}
    minor=${rest%%.*}
    patch=${rest#*.}
    case "$major.$minor.$patch" in
        *[!0-9.]* | *..* | .* | *.) return 1 ;;  # unparsable: what works everywhere
    esac
    [ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && { [ "$minor" -gt "$2" ] ||
        { [ "$minor" -eq "$2" ] && [ "$patch" -ge "$3" ]; }; }; }
}

# `server name:port resolve` in an upstream is open source since nginx 1.27.3 (CHANGES 1.27.3).
supports_upstream_resolve() { nginx_at_least 1 27 3; }
# `http2 on;` replaced `listen ... http2` in 1.25.1, which warns about the old form since.
supports_http2_directive() { nginx_at_least 1 25 1; }

# OCSP stapling only for a certificate that names a responder: nginx would warn about any other.
names_ocsp_responder() {
    command -v openssl >/dev/null || {
        echo "gateway: no openssl CLI to read $tls_cert with: OCSP stapling stays off" >&2
        return 1
    }
    [ -n "$(openssl x509 -in "$tls_cert" -noout -ocsp_uri 2>/dev/null)" ]
}

upstream_block() {  # GROUP ADDRESSES: the servers (a comma-separated list) for the current mode
    printf 'upstream %s {\n' "$1"
    [ "$mode" = resolve ] && printf '    zone %s 64k;\n' "$1"
    for one in $(echo "$2" | tr ',' ' '); do
        if [ "$mode" = resolve ]; then
            printf '    server %s resolve;\n' "$one"
        else
            printf '    server %s;\n' "$one"
        fi
    done
    printf '    keepalive 16;\n}\n\n'  # idle connections kept per worker and group
}

stapling=off
if [ "$tls" = on ] && names_ocsp_responder; then stapling=on; fi
if [ "${NGINX_RESOLVER:-}" = off ]; then
    mode=static
    resolver=
    # The upstreams need no resolver here, but the OCSP responder's name does.
    if [ "$stapling" = on ]; then resolver=$(nameservers "$resolv_conf"); fi
else
    resolver=${NGINX_RESOLVER:-$(nameservers "$resolv_conf")}
    [ -n "$resolver" ] || { echo "gateway: no nameserver in $resolv_conf; set NGINX_RESOLVER" >&2; exit 1; }
    case $catalog in *,*) refuse CATALOG_UPSTREAM "a list of servers needs NGINX_RESOLVER=off" ;; esac
    if supports_upstream_resolve; then mode=resolve; else mode=variable; fi
fi

mkdir -p "$conf_dir"
cp "$conf_src"/* "$conf_dir"/
{
    printf '# Generated by gateway/render.sh (mode: %s); change the generator, not this file.\n\n' "$mode"
    if [ -n "$resolver" ]; then
        # Docker's DNS answers carry TTL 600. Swarm takes a stopping task out of DNS 2 s before it
        # stops it: asking again every second keeps requests off it, and finds new replicas at once.
        printf 'resolver %s valid=1s ipv6=off;\nresolver_timeout 2s;\n\n' "$resolver"
    fi
    if [ -n "$real_ip_from" ]; then
        for one in $(echo "$real_ip_from" | tr ',' ' '); do  # checked above: only commas to split
            printf 'set_real_ip_from %s;\n' "$one"
        done
        printf 'real_ip_header X-Real-IP;\n\n'
    fi
    if [ "$mode" = variable ]; then
        # No upstream{}: proxy_pass gets "name:port" and resolves it per request.
        catalog_target=$catalog
        session_target=$session
    else
        upstream_block catalog_service "$catalog"
        upstream_block session_service "$session"
        catalog_target=catalog_service
        session_target=session_service
    fi
    printf 'map $scheme $catalog_backend {\n    default  %s;\n}\n\n' "$catalog_target"
    printf 'map $scheme $session_backend {\n    default  %s;\n}\n\n' "$session_target"
    printf 'limit_req_zone $login_limit_key zone=login:10m rate=%s;\n\n' "$login_rate"
    printf 'map $scheme $api_docs_root {\n    default  "%s";\n}\n\n' "$api_docs_root"
    # Requests from a proxy in front (REAL_IP_FROM) may say which scheme the browser used (scheme.conf).
    printf 'geo $realip_remote_addr $from_trusted_proxy {\n    default  0;\n'
    for one in $(echo "$real_ip_from" | tr ',' ' '); do
        printf '    %s  1;\n' "$one"
    done
    printf '}\n\n'
    # An empty value adds no header (security-headers.conf): HSTS only in HTTPS-only mode, only over HTTPS.
    hsts=
    [ "$https_only" = on ] && hsts="max-age=$hsts_max_age"
    printf 'map $client_scheme $strict_transport_security {\n    https    "%s";\n    default  "";\n}\n\n' "$hsts"
    redirect=
    if [ "$https_only:$tls" = on:on ]; then
        # The HTTP listener sends everything but /healthz to the TLS listener (308 keeps the method and
        # body), unless a proxy in front already spoke HTTPS to the browser.
        printf 'map "$client_scheme:$uri" $redirect_to_https {\n    "http:/healthz"  0;\n    "~^http:"        1;\n    default          0;\n}\n\n'
        port=":$tls_port"
        [ "$tls_port" = 443 ] && port=
        redirect=$(printf '    if ($redirect_to_https) {\n        return 308 https://$host%s$request_uri;\n    }' "$port")
    fi
    printf 'server {\n    listen %s;\n    root "%s";\n' "$listen" "$static_root"
    printf '    limit_req zone=login burst=%s nodelay;\n' "$login_burst"
    [ -z "$redirect" ] || printf '%s\n' "$redirect"
    printf '    include server.conf;\n}\n'
    if [ "$tls" = on ]; then
        if supports_http2_directive; then
            printf '\nserver {\n    listen %s ssl;\n    http2 on;\n' "$tls_listen"
        else
            printf '\nserver {\n    listen %s ssl http2;\n' "$tls_listen"
        fi
        printf '    root "%s";\n    limit_req zone=login burst=%s nodelay;\n' "$static_root" "$login_burst"
        printf '    ssl_certificate "%s";\n    ssl_certificate_key "%s";\n' "$tls_cert" "$tls_key"
        if [ "$stapling" = on ]; then
            printf '    ssl_stapling on;\n    ssl_stapling_verify on;\n'
        fi
        printf '    include tls.conf;\n    include server.conf;\n}\n'
    fi
    if [ -n "$status_listen" ]; then
        printf '\nserver {\n    listen %s;\n    include status.conf;\n}\n' "$status_listen"
    fi
} >"$conf_dir/runtime.conf"

if [ "$#" -gt 0 ]; then
    exec "$@"
fi
