#!/usr/bin/env bash
# Remove a compose stack and its volumes; after a failure, show why first.
#
#   scripts/docker/compose-down.sh [-p PROJECT] [--failed]
#
# Env:  COMPOSE_PROJECT_NAME (default shop; -p wins); COMPOSE_FAILED=1 is the same as --failed.
#       With --failed: `docker compose ps -a` and every service's logs are printed, and the logs are
#       also saved to test-artifacts/compose/<project>-logs.txt.
# Exit: 0 removed (or nothing to remove); non-zero only if `docker compose down` itself fails.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
project=${COMPOSE_PROJECT_NAME:-shop}
failed=${COMPOSE_FAILED:-0}
while [[ $# -gt 0 ]]; do
    case $1 in
        -p) project=$2; shift 2 ;;
        --failed) failed=1; shift ;;
        *) echo "usage: $0 [-p PROJECT] [--failed]" >&2; exit 64 ;;
    esac
done
log() { echo "compose-down[$project]: $*" >&2; }

if ! docker info >/dev/null 2>&1; then
    log "no Docker engine: nothing to remove"
    exit 0
fi

if [[ $failed == 1 ]]; then
    log "containers:"
    docker compose -p "$project" ps -a || true
    mkdir -p test-artifacts/compose
    logs=test-artifacts/compose/$project-logs.txt
    docker compose -p "$project" logs --no-color --timestamps >"$logs" 2>&1 || true
    log "logs of every service (also in $logs):"
    cat "$logs"
fi

docker compose -p "$project" down -v --remove-orphans --timeout 30
log "removed (containers, networks, volumes)"
