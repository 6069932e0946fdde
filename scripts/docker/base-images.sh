#!/usr/bin/env bash
# Print the base images to build on and run beside, as KEY=VALUE lines: PYTHON_IMAGE, NGINX_IMAGE,
# POSTGRES_IMAGE, REDIS_IMAGE (and any other *_IMAGE deploy/airgap/build.sh writes).
#
#   base=$(bash scripts/docker/base-images.sh) && eval "$base"
#
# The official images (as pinned by the Dockerfiles) when they are here or can be pulled; otherwise
# the stand-ins deploy/airgap/build.sh builds. All four variables already set: printed as given.
# Env:  AIRGAP=auto|always|never (auto: stand-ins only when an official image cannot be had)
# Exit: 0 | 3 the stand-ins could not be built
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
log() { echo "base-images: $*" >&2; }

if [[ -n ${PYTHON_IMAGE:-} && -n ${NGINX_IMAGE:-} && -n ${POSTGRES_IMAGE:-} && -n ${REDIS_IMAGE:-} ]]; then
    log "using the images given in the environment"
    printf 'PYTHON_IMAGE=%s\nNGINX_IMAGE=%s\nPOSTGRES_IMAGE=%s\nREDIS_IMAGE=%s\n' \
        "$PYTHON_IMAGE" "$NGINX_IMAGE" "$POSTGRES_IMAGE" "$REDIS_IMAGE"
    exit 0
fi

# The official images, read where each is pinned: the Dockerfiles' ARG defaults, compose's defaults.
dockerfile_default() { sed -n "s/^ARG $1=//p" "$2" | head -n 1; }
compose_default() { sed -n "s/.*\${$1:-\([^}]*\)}.*/\1/p" docker-compose.yml | head -n 1; }
official=(
    "$(dockerfile_default PYTHON_IMAGE services.Dockerfile)"
    "$(dockerfile_default NGINX_IMAGE gateway/Dockerfile)"
    "$(compose_default POSTGRES_IMAGE)"
    "$(compose_default REDIS_IMAGE)"
)

have_image() {
    docker image inspect "$1" >/dev/null 2>&1 && return 0
    timeout 60 docker pull --quiet "$1" >/dev/null 2>&1
}

mode=${AIRGAP:-auto}
if [[ $mode == auto ]]; then
    mode=never
    for image in "${official[@]}"; do
        if ! have_image "$image"; then
            log "$image is not available and cannot be pulled: using air-gapped stand-ins"
            mode=always
            break
        fi
    done
fi

if [[ $mode == always ]]; then
    images_env=$(mktemp)
    trap 'rm -f "$images_env"' EXIT
    AIRGAP_IMAGES_ENV=$images_env bash deploy/airgap/build.sh >/dev/null || { log "deploy/airgap/build.sh failed"; exit 3; }
    grep -E '^[A-Z0-9_]+_IMAGE=' "$images_env"
else
    printf 'PYTHON_IMAGE=%s\nNGINX_IMAGE=%s\nPOSTGRES_IMAGE=%s\nREDIS_IMAGE=%s\n' "${official[@]}"
fi
