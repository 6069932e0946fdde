#!/usr/bin/env bash
# The shop as a Docker Swarm stack on this machine (deploy/swarm/stack.yml).
#
#   scripts/swarm.sh up      # make swarm: build, create the secrets, deploy, wait, print the URL
#   scripts/swarm.sh wait    # wait until every service has converged (after a scale or an update)
#   scripts/swarm.sh logs    # the tasks and every service's last log lines
#   scripts/swarm.sh down    # make swarm-down: remove everything `up` made
#
# up:   a Docker engine (scripts/docker/ensure-engine.sh); a single-node swarm when the engine is in
#       none (marked with a node label, so that `down` leaves only a swarm `up` made); the images,
#       built from docker-compose.yml's build sections on the official or air-gapped base images and
#       tagged by content, so a changed image rolls out; the secrets, generated unless given; the
#       deploy; then it waits for the migration (and the demo seed) and for every service.
# down: the stack, its secrets, configs, networks and volumes, the images' content tags; the swarm
#       too when `up` initialised it and no other stack is left in it.
#
# Env:  SWARM_STACK (shopswarm)  SWARM_GATEWAY_PORT (8090)  SWARM_WAIT_TIMEOUT (seconds, 600)
#       SWARM_EDGE_SUBNET   the edge network's subnet (10.231.0.0/24), trusted for X-Real-IP; each
#                           stack in one swarm needs its own
#       SWARM_SECRETS_DIR   files named like the secrets (session_secret_key, internal_secret,
#                           postgres_password, database_url, redis_password, redis_url); each missing
#                           one is generated (the two URLs from the two passwords)
#       SHOP_TAG            deploy shop/*:SHOP_TAG as they are (no build)
#       DEMO_SEED (1)  LOGIN_RATE (10r/m)  LOGIN_BURST (5)  SESSION_COOKIE_SECURE (false: plain HTTP here)
#       AIRGAP, PYTHON_IMAGE, NGINX_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE: see scripts/docker/base-images.sh
# Exit: 0 | 2 no Docker engine | 3 base images | 4 build | 5 secrets | 6 not converged (state and logs printed)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
stack=${SWARM_STACK:-shopswarm}
port=${SWARM_GATEWAY_PORT:-8090}
wait_timeout=${SWARM_WAIT_TIMEOUT:-600}
stack_file=deploy/swarm/stack.yml
images=(gateway catalog-service session-service)
secrets=(session_secret_key internal_secret postgres_password database_url redis_password redis_url)
# Marks what this script made, so that `down` removes that and nothing else.
made_by=shop.swarm.made-by
node_label=shop.swarm.initialised-by

log() { echo "swarm[$stack]: $*" >&2; }
die() { local code=$1; shift; log "ERROR: $*"; exit "$code"; }

# --- up -------------------------------------------------------------------------------------------

ensure_swarm() {
    bash scripts/docker/ensure-engine.sh >&2 || die 2 "no Docker engine"
    local state
    state=$(docker info --format '{{.Swarm.LocalNodeState}}')
    if [[ $state == active ]]; then
        [[ $(docker info --format '{{.Swarm.ControlAvailable}}') == true ]] || die 2 "this node is a swarm worker; run this on a manager"
        return
    fi
    log "initialising a single-node swarm"
    local addr
    # The address of the default route: docker cannot choose when the host has several.
    addr=$(ip -4 route get 192.0.2.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' || true)
    docker swarm init ${addr:+--advertise-addr "$addr"} >/dev/null
    docker node update --label-add "$node_label=scripts/swarm.sh" "$(docker info --format '{{.Swarm.NodeID}}')" >/dev/null
}

# Build shop/*:swarm, then tag the three with a hash of their ids: an unchanged build deploys as a
# no-op, a changed one as a rolling update (Swarm compares the image name, not what it points to).
build_images() {
    if [[ -n ${SHOP_TAG:-} ]]; then
        for image in "${images[@]}"; do
            docker image inspect "shop/$image:$SHOP_TAG" >/dev/null 2>&1 || die 4 "shop/$image:$SHOP_TAG does not exist"
        done
        return
    fi
    log "building shop/{${images[*]}}:swarm"
    SHOP_TAG=swarm docker compose -p "$stack" -f docker-compose.yml -f deploy/swarm/images.yml \
        build --quiet "${images[@]}" >&2 || die 4 "docker compose build failed"
    local ids="" image
    for image in "${images[@]}"; do
        ids+=$(docker image inspect --format '{{.Id}}' "shop/$image:swarm")
    done
    SHOP_TAG=swarm-$(printf '%s' "$ids" | sha256sum | cut -c1-12)
    for image in "${images[@]}"; do
        docker tag "shop/$image:swarm" "shop/$image:$SHOP_TAG"
    done
    export SHOP_TAG
    log "images tagged $SHOP_TAG"
}

random_hex() { head -c 32 /dev/urandom | od -An -vtx1 | tr -d ' \n'; }

# Secrets go from a variable straight into Swarm's encrypted store: never a file, never an argument.
create_secrets() {
    local existing=() name
    for name in "${secrets[@]}"; do
        docker secret inspect "${stack}_$name" >/dev/null 2>&1 && existing+=("$name")
    done
    if [[ ${#existing[@]} -eq ${#secrets[@]} ]]; then
        log "secrets exist: reusing them"
        return
    fi
    [[ ${#existing[@]} -eq 0 ]] || die 5 "only some secrets exist (${existing[*]}); run scripts/swarm.sh down first"

    declare -A value
    local dir=${SWARM_SECRETS_DIR:-}
    for name in "${secrets[@]}"; do
        if [[ -n $dir && -f $dir/$name ]]; then
            value[$name]=$(cat "$dir/$name")  # $(...) drops the trailing newline, as the services do
            [[ -n ${value[$name]} ]] || die 5 "$dir/$name is empty"
        fi
    done
    : "${value[session_secret_key]:=$(random_hex)}"
    : "${value[internal_secret]:=$(random_hex)}"
    : "${value[postgres_password]:=$(random_hex)}"
    : "${value[redis_password]:=$(random_hex)}"
    # Hex passwords need no escaping inside a URL.
    : "${value[database_url]:=postgresql://shop:${value[postgres_password]}@postgres:5432/shop}"
    : "${value[redis_url]:=redis://:${value[redis_password]}@redis:6379/0}"
    for name in "${secrets[@]}"; do
        printf '%s' "${value[$name]}" |
            docker secret create --label "$made_by=$stack" "${stack}_$name" - >/dev/null ||
            die 5 "docker secret create ${stack}_$name failed"
    done
    log "secrets created: ${secrets[*]/#/${stack}_}"
}

# A new catalog-service image migrates the schema before any of its code serves: the migrate
# service gets the new image alone first, and the deploy goes on once it has completed. (The very
# first deploy needs no such order: nothing serves yet, and the wait below covers it.)
migrate_first() {
    local service=${stack}_migrate image=shop/catalog-service:$SHOP_TAG current
    current=$(docker service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$service" 2>/dev/null) || return 0
    [[ $current != "$image" ]] || return 0
    log "migrating with $image before the new code rolls out"
    docker service update --detach --no-resolve-image --image "$image" "$service" >/dev/null
    wait_converged "$service"
}

deploy() {
    # Configs cannot change in place, so edge's carries a hash of its content in its name.
    EDGE_CONF_VERSION=$(sha256sum deploy/swarm/edge.conf | cut -c1-12)
    export SWARM_STACK=$stack SWARM_GATEWAY_PORT=$port EDGE_CONF_VERSION
    export SWARM_EDGE_SUBNET=${SWARM_EDGE_SUBNET:-10.231.0.0/24}
    export DEMO_SEED=${DEMO_SEED:-1} SESSION_COOKIE_SECURE=${SESSION_COOKIE_SECURE:-false}
    export LOGIN_RATE=${LOGIN_RATE:-10r/m} LOGIN_BURST=${LOGIN_BURST:-5}
    log "docker stack deploy (images shop/*:$SHOP_TAG, port $port)"
    # --resolve-image never: the images are local; there is no registry to ask for digests.
    docker stack deploy --resolve-image never --prune -c "$stack_file" "$stack" >&2
}

# --- wait -----------------------------------------------------------------------------------------

stack_services() {
    docker service ls --filter "label=com.docker.stack.namespace=$stack" --format '{{.Name}}'
}

one_shot() { [[ $(docker service inspect --format '{{index .Spec.Labels "shop.swarm.one-shot"}}' "$1") == true ]]; }

# "ok", "wait" or "failed: why" for one service.
service_state() {
    local service=$1 want image state tasks running
    image=$(docker service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$service")
    tasks=$(docker service ps --filter desired-state=running --format '{{.Image}}|{{.CurrentState}}' "$service")
    if one_shot "$service"; then
        want=$(docker service inspect --format '{{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{end}}' "$service")
        if [[ $want == 0 ]]; then echo ok; return; fi
        # A finished job's task is no longer desired running; its last task says how it ended.
        local last
        last=$(docker service ps --format '{{.Image}}|{{.CurrentState}}|{{.Error}}' "$service" | head -n 1)
        case $last in
            "$image|Complete"*) echo ok ;;
            *"|Failed"* | *"|Rejected"*)
                if [[ -z $tasks ]]; then echo "failed: ${last#*|}"; else echo wait; fi ;;
            *) echo wait ;;
        esac
        return
    fi
    # (A job's update status says nothing: its task ends within any monitor window.)
    state=$(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$service")
    case $state in
        rollback_completed | rollback_paused | paused) echo "failed: update $state"; return ;;
        updating | rollback_started) echo wait; return ;;
    esac
    if docker service inspect --format '{{if .Spec.Mode.Global}}global{{end}}' "$service" | grep -q global; then
        want=$(docker node ls -q | wc -l)
    else
        want=$(docker service inspect --format '{{.Spec.Mode.Replicated.Replicas}}' "$service")
    fi
    running=$(grep -c "^$image|Running" <<<"$tasks" || true)
    if [[ $running -eq $want && $(grep -c . <<<"$tasks" || true) -eq $want ]]; then echo ok; else echo wait; fi
}

# Until the services named (default: every service of the stack, and then the gateway answers)
# have converged.
wait_converged() {
    local deadline=$((SECONDS + wait_timeout)) pending service state
    while :; do
        pending=()
        for service in ${*:-$(stack_services)}; do
            state=$(service_state "$service")
            case $state in
                ok) ;;
                failed*) show_state; die 6 "$service: ${state#failed: }" ;;
                *) pending+=("$service") ;;
            esac
        done
        if [[ ${#pending[@]} -eq 0 ]] && { [[ $# -gt 0 ]] || gateway_answers; }; then
            return
        fi
        if ((SECONDS >= deadline)); then
            show_state
            die 6 "not converged after ${wait_timeout} s: ${pending[*]:-the gateway does not answer}"
        fi
        sleep 2
    done
}

# Through the edge, the gateway and both services, to a route that needs the schema.
gateway_answers() {
    local base=http://127.0.0.1:$port
    curl -fsS -o /dev/null --max-time 5 "$base/api/catalog/goods?limit=1" 2>/dev/null &&
        curl -fsS -o /dev/null --max-time 5 "$base/api/session/healthz" 2>/dev/null
}

show_state() {
    log "tasks:"
    docker stack ps --no-trunc --format '{{.Name}} {{.Image}} {{.DesiredState}} {{.CurrentState}} {{.Error}}' "$stack" >&2 || true
    local service
    for service in $(stack_services); do
        log "$service: $(docker service inspect --format '{{if .UpdateStatus}}update {{.UpdateStatus.State}}: {{.UpdateStatus.Message}}{{else}}no update{{end}}' "$service")"
    done
    for service in $(stack_services); do
        log "last log lines of $service:"
        docker service logs --no-task-ids --tail 20 "$service" >&2 2>&1 || true
    done
}

# --- down -----------------------------------------------------------------------------------------

down() {
    if ! docker info >/dev/null 2>&1; then
        log "no Docker engine: nothing to remove"
        return
    fi
    if [[ $(docker info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
        log "no swarm: nothing to remove"
        return
    fi
    local namespace="label=com.docker.stack.namespace=$stack" deadline=$((SECONDS + 120))
    if [[ -n $(stack_services) ]]; then
        log "removing the stack"
        docker stack rm "$stack" >&2
    fi
    # `stack rm` returns before the containers and networks are gone; volumes need them gone.
    while [[ -n $(docker ps -aq --filter "$namespace") || -n $(docker network ls -q --filter "$namespace") ]]; do
        ((SECONDS < deadline)) || die 1 "containers or networks of $stack still there after 120 s"
        sleep 1
    done
    local volumes secrets_made configs tags
    volumes=$(docker volume ls -q --filter "$namespace")
    [[ -z $volumes ]] || docker volume rm $volumes >/dev/null
    secrets_made=$(docker secret ls -q --filter "label=$made_by=$stack")
    [[ -z $secrets_made ]] || docker secret rm $secrets_made >/dev/null
    configs=$(docker config ls -q --filter "$namespace")
    [[ -z $configs ]] || docker config rm $configs >/dev/null
    tags=$(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^shop/(gateway|catalog-service|session-service):swarm-' || true)
    [[ -z $tags ]] || docker rmi $tags >/dev/null
    log "removed: stack, secrets, configs, networks, volumes${tags:+, image tags}"

    local node
    node=$(docker info --format '{{.Swarm.NodeID}}')
    if [[ -n $(docker node inspect --format "{{index .Spec.Labels \"$node_label\"}}" "$node") ]]; then
        if [[ -z $(docker service ls -q) ]]; then
            docker swarm leave --force >/dev/null
            # `swarm init` made this bridge for the tasks' published ports; leaving keeps it.
            docker network rm docker_gwbridge >/dev/null 2>&1 || true
            log "left the swarm scripts/swarm.sh had initialised"
        else
            log "other services run in the swarm: staying in it"
        fi
    fi
}

case ${1:-} in
    up)
        start=$SECONDS
        ensure_swarm
        base=$(bash scripts/docker/base-images.sh) || die 3 "base images could not be prepared"
        set -a
        eval "$base"
        set +a
        build_images
        create_secrets
        migrate_first
        deploy
        log "waiting for the migration and every service (at most ${wait_timeout} s)"
        wait_converged
        log "converged in $((SECONDS - start)) s"
        docker stack services "$stack" >&2
        echo "http://127.0.0.1:$port/"
        ;;
    wait) wait_converged ;;
    logs) show_state ;;
    down) down ;;
    *)
        echo "usage: $0 up|wait|down" >&2
        exit 64
        ;;
esac
