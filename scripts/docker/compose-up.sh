#!/usr/bin/env bash
# Bring the compose stack up for tests or a demo: engine, base images, build, `up --wait`.
#
#   scripts/docker/compose-up.sh [-p PROJECT] [extra `docker compose up` args...]
#
# Env:   COMPOSE_PROJECT_NAME (default shop; -p wins)  COMPOSE_WAIT_TIMEOUT (seconds, default 900)
#        AIRGAP=auto|always|never (auto: stand-in images only when an official one cannot be pulled)
#        PYTHON_IMAGE / NGINX_IMAGE / POSTGRES_IMAGE / REDIS_IMAGE: used as given when all four are set
#        COMPOSE_ENV_OUT (default test-artifacts/compose/<project>.env)
# Writes COMPOSE_ENV_OUT: KEY=VALUE lines (project name, the four image variables, and any other
#   non-secret .env.example setting present in the environment, e.g. GATEWAY_PORT) that every later
#   `docker compose` call for this stack must have in its environment.
# Exit:  0 stack up and healthy | 2 no Docker engine/Compose | 3 base images could not be prepared
#        4 build or start failed (ps and logs printed, stack removed with `down -v`)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
project=${COMPOSE_PROJECT_NAME:-shop}
if [[ ${1:-} == -p ]]; then
    project=$2
    shift 2
fi
export COMPOSE_PROJECT_NAME=$project
log() { echo "compose-up[$project]: $*" >&2; }

start=$SECONDS
bash scripts/docker/ensure-engine.sh || exit 2

# The base images: the official ones, or the air-gapped stand-ins when no registry answers.
base=$(bash scripts/docker/base-images.sh) || { log "base images could not be prepared"; exit 3; }
set -a
eval "$base"
set +a

env_out=${COMPOSE_ENV_OUT:-test-artifacts/compose/$project.env}
mkdir -p "$(dirname "$env_out")"
{
    echo "COMPOSE_PROJECT_NAME=$project"
    # Every non-secret setting compose reads (the names in .env.example) that is set here.
    for name in $(sed -n 's/^# *\([A-Z_][A-Z0-9_]*\)=.*/\1/p; s/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' .env.example); do
        case $name in *SECRET*|*PASSWORD*|*KEY*) continue ;; esac
        if [[ -n ${!name:-} ]]; then echo "$name=${!name}"; fi
    done
} >"$env_out"
log "compose project: $project; environment in $env_out:"
sed 's/^/    /' "$env_out" >&2

log "docker compose up -d --build --wait $*"
if ! docker compose -p "$project" up -d --build --wait --wait-timeout "${COMPOSE_WAIT_TIMEOUT:-900}" "$@"; then
    log "FAILED after $((SECONDS - start)) s"
    COMPOSE_FAILED=1 bash scripts/docker/compose-down.sh -p "$project" || true
    exit 4
fi
docker compose -p "$project" ps -a
log "up and healthy in $((SECONDS - start)) s"
# Where to point a browser; the dev-tls job's last line names the CA to trust.
log "gateway: http://localhost:$(docker compose -p "$project" port gateway 8080 | sed 's/.*://')/"
if tls=$(docker compose -p "$project" port gateway 8443 2>/dev/null) && [[ -n $tls ]]; then
    log "gateway over HTTPS: https://localhost:${tls##*:}/"
    docker compose -p "$project" logs --no-log-prefix dev-tls 2>/dev/null | tail -n 1 >&2 || true
fi
