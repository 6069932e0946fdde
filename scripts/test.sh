#!/usr/bin/env bash
# The whole test run: lint, types, each service's suite, the gateway's, then the black-box
# suite against a running stack (compose when a Docker engine answers, else local processes;
# STACK_MODE=compose|local forces one; STACK_MODE=swarm runs scripts/test-swarm.sh instead).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

step() { printf '\n==> %s\n' "$*"; }

# STACK_ONLY=1 skips the steps that do not depend on the stack mode (lint, types, the services',
# the gateway's and the offline suites): .ci/run runs them once, in its first pass.
if [ -z "${STACK_ONLY:-}" ]; then

step "lint (ruff) and types (mypy)"
$bin/ruff check .
$bin/ruff format --check .
$bin/mypy common/shop_common catalog-service/catalog_service session-service/session_service stack

step "catalog-service tests (real PostgreSQL)"
$bin/pytest -q catalog-service/tests

step "session-service tests (real Redis)"
$bin/pytest -q session-service/tests

step "gateway tests (real nginx)"
$bin/pytest -q tests/gateway

step "stack tools: every default has one home; make run stops on Ctrl-C within 5 s (local processes)"
$bin/pytest -q tests/tools

step "metrics (shop_common) and Prometheus rules (promtool test rules)"
$bin/pytest -q common/tests tests/observability

step "Kubernetes manifests, offline: render, validate (strict), policy, agreement with compose and Swarm"
$bin/pytest -q tests/k8s

fi

if [ "${STACK_MODE:-}" = swarm ]; then
  step "Swarm tests: tests/integration and tests/swarm against the stack of deploy/swarm/stack.yml"
  exec bash scripts/test-swarm.sh "$@"
fi

step "stack tests (${STACK_MODE:-auto} mode): one stack for every black-box suite"
# Only the directories that exist: suites land one by one.
suites=()
for dir in tests/compose tests/integration tests/e2e tests/faults tests/security tests/fuzz tests/dev; do
  [ -d "$dir" ] && suites+=("$dir")
done
$bin/pytest -q -s "${suites[@]}" "$@"
