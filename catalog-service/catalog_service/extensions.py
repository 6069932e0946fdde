"""Extensions created unbound; the application factory binds them."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


@contextmanager
def autocommit() -> Iterator[Connection]:
    """A connection from the "autocommit" pool, for work that is one statement.

    Through the ORM session even a single SELECT costs three round trips (BEGIN, the query,
    ROLLBACK when the connection goes back to the pool) plus the ORM's bookkeeping. One statement
    is atomic on its own, so the hot paths use this: one round trip, Core rows. Anything that
    needs two statements to agree belongs in a `db.session` transaction instead.
    """
    with db.engines["autocommit"].connect() as connection:
        yield connection


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only when it has been idle for `idle_seconds`.

    `pool_pre_ping` would pay a round trip on every checkout. A connection in steady use is
    checked by its own queries: after a database restart, the requests in flight on a worker's
    old connections answer 503, and the first disconnect error makes SQLAlchemy drop the whole
    pool, so the next requests reconnect. An idle connection (after a quiet night, a failover)
    is pinged and silently replaced.
    """

    @event.listens_for(engine, "checkin")
    def remember_when(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy) -> None:  # type: ignore[no-untyped-def]
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("idle connection is gone") from error  # the pool reconnects
