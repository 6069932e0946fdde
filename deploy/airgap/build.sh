#!/usr/bin/env bash
# Build drop-in stand-ins for the upstream images docker-compose.yml uses, from Debian trixie packages,
# for machines where no registry can be reached:
#   airgap/debian:trixie  (debootstrap minbase, docker import)
#   airgap/python:3.13-slim  airgap/postgres:17  airgap/redis:8  airgap/nginx:1.26
#   and for the observability profile: airgap/prometheus, airgap/nginx-exporter,
#   airgap/postgres-exporter, airgap/redis-exporter (Grafana has no Debian package: none for it)
# Images whose inputs have not changed are not rebuilt. Writes the variables compose needs to
# deploy/airgap/images.env (or $AIRGAP_IMAGES_ENV) and prints them.
# Env: DEBIAN_MIRROR (default: the machine's apt mirror), AIRGAP_IMAGES_ENV.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
images_env=${AIRGAP_IMAGES_ENV:-$here/images.env}
base_image=airgap/debian:trixie

log() { echo "airgap: $*" >&2; }
die() { echo "airgap: ERROR: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "no Docker engine (run scripts/docker/ensure-engine.sh first)"

mirror=${DEBIAN_MIRROR:-}
if [[ -z $mirror && -f /etc/apt/sources.list.d/debian.sources ]]; then
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
mirror=${mirror:-http://deb.debian.org/debian}

# Fingerprint of everything an image is built from; stored as a label to decide whether to rebuild.
inputs_hash() {
    (cd "$here" && sha256sum build.sh "$1"/* | sha256sum | cut -c1-16)
}
current_label() {
    docker image inspect -f '{{index .Config.Labels "airgap.inputs"}}' "$1" 2>/dev/null || true
}

# --- base: Debian trixie minbase ----------------------------------------------------------------
build_base() {
    local want
    want=$(printf '%s' "$mirror" | sha256sum | cut -c1-16)
    if [[ $(current_label "$base_image") == "$want" ]]; then
        log "$base_image is up to date"
        return
    fi
    [[ $(id -u) -eq 0 ]] || die "building $base_image needs root (debootstrap)"
    if ! command -v debootstrap >/dev/null 2>&1; then
        log "installing debootstrap"
        bash "$here/../../scripts/setup.sh" --packages debootstrap >/dev/null \
            || die "cannot install debootstrap"
    fi
    local root
    root=$(mktemp -d /var/tmp/airgap-rootfs.XXXXXX)
    trap 'rm -rf "$root"' RETURN
    log "debootstrap --variant=minbase trixie from $mirror"
    debootstrap --variant=minbase trixie "$root" "$mirror" >/dev/null || die "debootstrap failed"
    # What Debian's official docker images do: no services started by package scripts, no
    # recommends, no apt caches left in layers.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod +x "$root/usr/sbin/policy-rc.d"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$root/etc/apt/apt.conf.d/90airgap-norecommends"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" -c . | docker import \
        --change "LABEL airgap.inputs=$want" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' \
        - "$base_image" >/dev/null || die "docker import failed"
    log "built $base_image"
}

# --- stand-ins ----------------------------------------------------------------------------------
build_standin() {  # TAG DIR [NAME=VALUE build arguments...]
    local tag=$1 dir=$2 want ctx args=()
    shift 2
    for arg in "$@"; do args+=(--build-arg "$arg"); done
    want=$(inputs_hash "$dir")
    [[ $# -eq 0 ]] || want=$(printf '%s %s' "$want" "$*" | sha256sum | cut -c1-16)
    # The python image also depends on the host CA bundle it carries.
    if [[ $dir == python ]]; then
        want=$(printf '%s%s' "$want" "$(sha256sum </etc/ssl/certs/ca-certificates.crt)" | sha256sum | cut -c1-16)
    fi
    want="$want-$(docker image inspect -f '{{.Id}}' "$base_image" | cut -c8-19)"
    if [[ $(current_label "$tag") == "$want" ]]; then
        log "$tag is up to date"
        return
    fi
    ctx=$(mktemp -d)
    trap 'rm -rf "$ctx"' RETURN
    cp -a "$here/$dir/." "$ctx/"
    if [[ $dir == python ]]; then
        [[ -r /etc/ssl/certs/ca-certificates.crt ]] || die "host CA bundle /etc/ssl/certs/ca-certificates.crt missing"
        cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
    fi
    log "building $tag"
    docker build --quiet --label "airgap.inputs=$want" --build-arg "BASE_IMAGE=$base_image" "${args[@]}" \
        -t "$tag" "$ctx" >/dev/null || die "building $tag failed"
    log "built $tag"
}

start=$SECONDS
build_base
# One at a time: the machine is small and shared.
build_standin airgap/python:3.13-slim python
build_standin airgap/postgres:17 postgres
build_standin airgap/redis:8 redis
build_standin airgap/nginx:1.26 nginx
build_standin airgap/prometheus:2 prometheus
build_standin airgap/nginx-exporter:1 exporter PACKAGE=prometheus-nginx-exporter PORT=9113
build_standin airgap/postgres-exporter:0 exporter PACKAGE=prometheus-postgres-exporter PORT=9187
build_standin airgap/redis-exporter:1 exporter PACKAGE=prometheus-redis-exporter PORT=9121

cat >"$images_env" <<ENV
# Written by deploy/airgap/build.sh: locally built stand-ins for the upstream images.
PYTHON_IMAGE=airgap/python:3.13-slim
POSTGRES_IMAGE=airgap/postgres:17
REDIS_IMAGE=airgap/redis:8
NGINX_IMAGE=airgap/nginx:1.26
PROMETHEUS_IMAGE=airgap/prometheus:2
NGINX_EXPORTER_IMAGE=airgap/nginx-exporter:1
POSTGRES_EXPORTER_IMAGE=airgap/postgres-exporter:0
REDIS_EXPORTER_IMAGE=airgap/redis-exporter:1
ENV
log "done in $((SECONDS - start)) s; variables written to $images_env"
grep -v '^#' "$images_env"
