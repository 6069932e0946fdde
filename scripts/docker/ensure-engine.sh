#!/usr/bin/env bash
# Make sure a Docker engine, Compose v2 and buildx are usable on this (Debian) machine.
# Idempotent: does nothing when `docker info` and `docker compose version` already work.
# On a fresh Debian bookworm machine (root): installs docker.io (engine 20.10), starts dockerd in the
# background, and takes Compose v2 + buildx from Debian trixie's packages (bookworm has neither).
set -euo pipefail

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins

log() { echo "ensure-engine: $*" >&2; }
die() { echo "ensure-engine: ERROR: $*" >&2; exit 1; }

engine_ok() { docker info >/dev/null 2>&1; }
compose_ok() { docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_ok && compose_ok; then
    log "engine and compose already available ($(docker compose version --short))"
    exit 0
fi

[[ $(id -u) -eq 0 ]] || die "no working Docker engine/Compose v2 and not root: cannot install them"
command -v apt-get >/dev/null 2>&1 || die "no working Docker engine and no apt-get: install Docker + Compose v2 yourself"

apt_updated=0
apt_install() {
    if [[ $apt_updated -eq 0 ]]; then
        apt-get update -qq || die "apt-get update failed"
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || die "apt-get install $* failed"
}

# --- engine -----------------------------------------------------------------------------------
if ! command -v dockerd >/dev/null 2>&1; then
    log "installing docker.io (engine)"
    apt_install docker.io
fi

if ! engine_ok; then
    if ! { command -v pgrep >/dev/null && pgrep -x dockerd >/dev/null 2>&1; }; then
        log "starting dockerd (log: $DOCKERD_LOG)"
        # setsid: dockerd must outlive this script and the caller's process group
        setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    fi
    for _ in $(seq 1 60); do
        [[ -S /var/run/docker.sock ]] && engine_ok && break
        sleep 1
    done
    engine_ok || { tail -n 30 "$DOCKERD_LOG" >&2 || true; die "dockerd did not become ready within 60 s"; }
fi
log "engine ready: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"

# --- compose v2 + buildx from Debian trixie -------------------------------------------------------
if ! compose_ok; then
    mirror=""
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [[ -z $mirror && -f /etc/apt/sources.list ]]; then
        mirror=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
    fi
    mirror=${mirror:-http://deb.debian.org/debian}
    log "fetching docker-compose and docker-buildx from trixie ($mirror)"

    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/debs"
    cat >"$work/trixie.sources" <<SRC
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    # A private apt configuration, so the machine's own sources and lists are left untouched.
    apt_opts=(-o "Dir::Etc::SourceList=/dev/null"
              -o "Dir::Etc::SourceParts=$work/none"
              -o "Dir::State::Lists=$work/apt/lists"
              -o "Dir::Cache=$work/apt/cache"
              -o "APT::Sandbox::User=root")
    mkdir -p "$work/none" && cp "$work/trixie.sources" "$work/none/"
    apt-get "${apt_opts[@]}" update -qq || die "apt-get update for trixie failed"
    (cd "$work/debs" && apt-get "${apt_opts[@]}" download docker-compose docker-buildx) \
        || die "could not download docker-compose/docker-buildx from trixie"
    mkdir -p "$PLUGIN_DIR"
    for deb in "$work"/debs/*.deb; do
        dpkg -x "$deb" "$work/root"
    done
    install -m 0755 "$work"/root/usr/libexec/docker/cli-plugins/* "$PLUGIN_DIR/"
    compose_ok || die "compose/buildx plugins installed in $PLUGIN_DIR but 'docker compose version' fails"
fi
log "compose $(docker compose version --short), buildx $(docker buildx version | awk '{print $2}')"
