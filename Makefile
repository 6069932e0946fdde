# The few verbs people use. `make test` is what CI runs.
.PHONY: setup run up down swarm swarm-down test lint bench

setup:            ## system servers + .venv
	bash scripts/setup.sh

run: setup        ## the whole stack as local processes (no Docker); Ctrl-C stops it
	.venv/bin/python stack/stack.py

up:               ## the whole stack in Docker
	docker compose up --build

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

bench: setup      ## bulk data + wrk through the gateway vs nginx/Flask ceilings -> docs/benchmarks.md (~10 min)
	.venv/bin/pip install -q -r bench/requirements.txt && .venv/bin/python bench/run.py $(BENCH_ARGS)
