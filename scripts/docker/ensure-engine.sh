#!/usr/bin/env bash
# Make sure a Docker engine, Compose v2 and buildx are usable on this (Debian) machine.
# Idempotent: does nothing when `docker info` and `docker compose version` already work.
# On a fresh Debian bookworm machine (root): scripts/setup.sh --docker installs docker.io (engine
# 20.10) and Compose v2 + buildx from Debian trixie's packages (bookworm has neither); this starts
# dockerd in the background.
set -euo pipefail

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { echo "ensure-engine: $*" >&2; }
die() { echo "ensure-engine: ERROR: $*" >&2; exit 1; }

engine_ok() { docker info >/dev/null 2>&1; }
compose_ok() { docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_ok && compose_ok; then
    log "engine and compose already available ($(docker compose version --short))"
    exit 0
fi

[[ $(id -u) -eq 0 ]] || die "no working Docker engine/Compose v2 and not root: cannot install them"
# The packages (docker.io, and Compose v2 + buildx from Debian trixie) come from scripts/setup.sh,
# the one place that runs apt-get.
bash "$repo/scripts/setup.sh" --docker || die "scripts/setup.sh --docker could not install the engine or the plugins"

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

compose_ok || die "compose/buildx plugins installed but 'docker compose version' fails"
log "compose $(docker compose version --short), buildx $(docker buildx version | awk '{print $2}')"
