#!/usr/bin/env bash
# The Swarm pass of `make test` (STACK_MODE=swarm): deploys the stack with scripts/swarm.sh under its
# own name, port and edge subnet, runs the black-box integration suite against it unchanged and then
# tests/swarm (convergence, secrets, scaling, a rolling update, killed tasks), and removes it all.
#
#   bash scripts/test-swarm.sh [pytest args...]
#
# Env: SWARM_STACK (shopswarmtest)  SWARM_GATEWAY_PORT (a free port)  SWARM_EDGE_SUBNET (10.232.0.0/24)
# After a failure the tasks and every service's last log lines are in test-artifacts/swarm/.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

export SWARM_STACK=${SWARM_STACK:-shopswarmtest}
export SWARM_GATEWAY_PORT=${SWARM_GATEWAY_PORT:-$($bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
# Beside a `make swarm` stack, whose edge network holds the default subnet.
export SWARM_EDGE_SUBNET=${SWARM_EDGE_SUBNET:-10.232.0.0/24}
# The suite's login limits (tests/stack_client.py reads the STACK_ ones). Each of the two gateway
# replicas counts sign-ins on its own, so the burst is 5, not 20: the suite's burst + 10 = 15
# simultaneous attempts then overflow at least one replica (one of the two gets 8 or more).
export STACK_LOGIN_RATE=${STACK_LOGIN_RATE:-600r/m} STACK_LOGIN_BURST=${STACK_LOGIN_BURST:-5}
export LOGIN_RATE=$STACK_LOGIN_RATE LOGIN_BURST=$STACK_LOGIN_BURST

start=$SECONDS
rm -f "test-artifacts/swarm/$SWARM_STACK.txt"
finish() {
    local status=$?
    if [[ $status -ne 0 ]]; then
        mkdir -p test-artifacts/swarm
        bash scripts/swarm.sh logs >"test-artifacts/swarm/$SWARM_STACK.txt" 2>&1 || true
        echo "test-swarm: FAILED; tasks and logs in test-artifacts/swarm/$SWARM_STACK.txt" >&2
    fi
    bash scripts/swarm.sh down || status=1
    echo "test-swarm: swarm pass took $((SECONDS - start)) s" >&2
    exit "$status"
}
trap finish EXIT

url=$(bash scripts/swarm.sh up)
STACK_GATEWAY_URL=${url%/} SWARM_STACK=$SWARM_STACK \
    $bin/pytest -q -s tests/integration tests/swarm "$@"
