"""The development defaults, read from their one home: the `${NAME:-default}`s in docker-compose.yml.

Compose applies them when neither the shell nor `.env` sets NAME, so a fresh clone runs with no
`.env`; the local stack, the bench and the tests read the same values here instead of copying them.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# compose's "default when unset or empty"; a default never contains "}" in our file
DEFAULT = re.compile(r"\$\{([A-Z][A-Z0-9_]*):-([^}]*)\}")


@functools.cache
def defaults() -> dict[str, str]:
    """NAME -> default for every `${NAME:-default}` in docker-compose.yml."""
    found: dict[str, str] = {}
    for name, value in DEFAULT.findall(COMPOSE_FILE.read_text()):
        if found.setdefault(name, value) != value:
            raise ValueError(f"docker-compose.yml gives {name} two defaults: {found[name]!r} and {value!r}")
    return found


def setting(name: str) -> str:
    """The value compose would use for NAME from this shell: the environment's, else the default."""
    return os.environ.get(name) or defaults()[name]
