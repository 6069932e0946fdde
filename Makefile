# The few verbs people use. `make test` is what CI runs.
.PHONY: setup run up dev down swarm swarm-down test lint bench

# make dev: docker-compose.yml plus the development override (Compose watch, reloading services)
DEV_COMPOSE = COMPOSE_FILE=docker-compose.yml:deploy/compose/dev.yml

setup:            ## system servers + .venv
	bash scripts/setup.sh

run: setup        ## the whole stack as local processes (no Docker); Ctrl-C stops it; RELOAD=1 reloads on save
	.venv/bin/python stack/stack.py $(if $(RELOAD),--reload)

up:               ## the whole stack in Docker
	docker compose up --build

dev:              ## the stack in Docker, showing saved changes at once (Compose watch); Ctrl-C stops watching
	$(DEV_COMPOSE) bash scripts/docker/compose-up.sh
	$(DEV_COMPOSE) sh -c 'set -a; . test-artifacts/compose/shop.env; exec docker compose watch --no-up'

down:
	docker compose down

swarm:            ## the stack on a single-node Docker Swarm (deploy/swarm/stack.yml); prints its URL
	bash scripts/swarm.sh up

swarm-down:       ## remove the Swarm stack, its secrets and data (and the swarm, if `make swarm` made it)
	bash scripts/swarm.sh down

test: setup       ## lint, types, every suite; stack tests in compose mode if Docker answers, else local
	bash scripts/test.sh

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench: setup      ## bulk data + wrk through the gateway vs nginx/Flask ceilings, worker models, metrics on/off, compose -> docs/benchmarks.md (~30 min)
	.venv/bin/pip install -q -r bench/requirements.txt && .venv/bin/python bench/run.py $(BENCH_ARGS)
