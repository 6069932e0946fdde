"""Init container of catalog-service pods: wait until the database schema is at this image's head.

The migration runs once per release, as the catalog-migrate Job; a pod of the new release waits
here instead of serving against the old schema. A schema newer than this image knows counts as
ready: after a rollback of the code the migration stays, and migrations are backward compatible.

Run with the service's own settings and PYTHONPATH naming the service's directory (the image's
WORKDIR, /app), since the script itself is mounted elsewhere.
"""

import logging
import os
import time

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from catalog_service.extensions import db
from sqlalchemy.exc import SQLAlchemyError
from wsgi import app

POLL_SECONDS = float(os.environ.get("WAIT_FOR_SCHEMA_POLL_SECONDS", "2"))


def schema_state(script: ScriptDirectory) -> str:
    """Return "ready", or why not yet."""
    with app.app_context(), db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError:
            return "ready"  # a revision this image does not know: a later release migrated already
    if set(script.get_heads()) <= current:
        return "ready"
    have, need = ", ".join(sorted(current)) or "nothing", ", ".join(script.get_heads())
    return f"the schema is at {have}, this image needs {need}"


def main() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)  # not two INFO lines per poll
    script = ScriptDirectory("migrations")
    while True:
        try:
            state = schema_state(script)
        except SQLAlchemyError as error:
            state = f"the database does not answer ({type(error).__name__})"
        if state == "ready":
            print("wait-for-schema: the schema is ready", flush=True)
            return
        print(f"wait-for-schema: waiting for the catalog-migrate Job: {state}", flush=True)
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    main()
