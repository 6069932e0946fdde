#!/bin/sh
# The gateway's one config generator, for local processes and containers alike: copies conf/ to
# GATEWAY_CONF_DIR and writes runtime.conf there (upstreams, resolver, listen, static root, login
# limit), then runs COMMAND if one is given.
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
#   GATEWAY_CONF_DIR         /tmp/nginx: nginx's -p prefix, the only directory written
#   NGINX_RESOLVER           the DNS server(s) that re-resolve service names at run time; default:
#                            the nameservers in /etc/resolv.conf (Docker's 127.0.0.11); "off": fixed
#                            addresses, as the local stack's 127.0.0.1 services have
#   REAL_IP_FROM             unset, or the addresses (IP or CIDR, comma-separated) of a proxy in front,
#                            such as the Swarm stack's edge: a request from them carries the client's
#                            address in X-Real-IP, and the login limit and the log use that one
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
catalog=${CATALOG_UPSTREAM:-catalog-service:8000}
session=${SESSION_UPSTREAM:-session-service:8000}
login_rate=${LOGIN_RATE:-}
login_burst=${LOGIN_BURST:-}
real_ip_from=${REAL_IP_FROM:-}

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
case $static_root in
    /*) ;;
    *) refuse GATEWAY_STATIC_ROOT "expected an absolute path, got '$static_root'" ;;
esac
case $static_root in
    *[[:space:]\"\\\;{}\$\#]*) refuse GATEWAY_STATIC_ROOT "must not contain spaces or nginx syntax: '$static_root'" ;;
esac
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

# `server name:port resolve` in an upstream is open source since nginx 1.27.3 (CHANGES 1.27.3).
supports_upstream_resolve() {
    version=$(nginx -v 2>&1)  # "nginx version: nginx/1.30.4", maybe with a " (Ubuntu)" suffix
    version=${version#*nginx/}
    version=${version%% *}
    major=${version%%.*}
    rest=${version#*.}
    minor=${rest%%.*}
    patch=${rest#*.}
    case "$major.$minor.$patch" in
        *[!0-9.]* | *..* | .* | *.) return 1 ;;  # unparsable: the variable mode works everywhere
    esac
    [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && { [ "$minor" -gt 27 ] ||
        { [ "$minor" -eq 27 ] && [ "$patch" -ge 3 ]; }; }; }
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

if [ "${NGINX_RESOLVER:-}" = off ]; then
    mode=static
    resolver=
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
    printf 'server {\n    listen %s;\n    root "%s";\n' "$listen" "$static_root"
    printf '    limit_req zone=login burst=%s nodelay;\n    include server.conf;\n}\n' "$login_burst"
    if [ -n "$status_listen" ]; then
        printf '\nserver {\n    listen %s;\n    include status.conf;\n}\n' "$status_listen"
    fi
} >"$conf_dir/runtime.conf"

if [ "$#" -gt 0 ]; then
    exec "$@"
fi
