"""Running the whole shop: what `make run`, the black-box tests and the bench share.

- settings: the development defaults, read from docker-compose.yml (their one home)
- system: free ports, server binaries, waiting for readiness
- local: LocalStack, the system as local processes (no Docker)
- compose: ComposeStack, docker-compose.yml as its own project on free ports
"""
