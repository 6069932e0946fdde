#!/usr/bin/env bash
# The compose stack with Prometheus, the exporters and Grafana (docs/observability.md):
#
#   deploy/observability/up.sh [-p PROJECT] [extra `docker compose up` args, e.g. --scale catalog-service=3]
#
# Runs scripts/docker/compose-up.sh with deploy/compose/observability.yml and the observability
# profile, so the air-gapped stand-ins (deploy/airgap/build.sh, Prometheus and the exporters
# included) are used where no registry answers. Grafana has no Debian package: when its image is
# neither here nor pullable, the stack runs without it and this script says so.
# Later compose commands for this stack need the same files and profile: the script prints them.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
export COMPOSE_FILE=docker-compose.yml:deploy/compose/observability.yml
export COMPOSE_PROFILES=observability,grafana
say() { echo "observability: $*" >&2; }

grafana_image=${GRAFANA_IMAGE:-$(sed -n 's/.*\${GRAFANA_IMAGE:-\([^}]*\)}.*/\1/p' deploy/compose/observability.yml)}
grafana=yes
if ! docker image inspect "$grafana_image" >/dev/null 2>&1 \
    && ! timeout 60 docker pull --quiet "$grafana_image" >/dev/null 2>&1; then
    say "Grafana ($grafana_image) cannot be pulled here and has no Debian package to build a stand-in"
    say "from: running without Grafana. Prometheus's own pages and API show the same figures."
    grafana=no
    COMPOSE_PROFILES=observability
fi

bash scripts/docker/compose-up.sh "$@"

say "Prometheus: http://127.0.0.1:${PROMETHEUS_PORT:-9090}"
if [[ $grafana == yes ]]; then
    say "Grafana:    http://127.0.0.1:${GRAFANA_PORT:-3000} (dashboard \"Shop overview\")"
else
    say "Grafana:    not running (no image; see above)"
fi
say "more compose commands for this stack: COMPOSE_FILE=$COMPOSE_FILE COMPOSE_PROFILES=$COMPOSE_PROFILES docker compose ..."
