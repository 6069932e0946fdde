"""Server-side prepared statements for the hot statements (issue 16).

psycopg2 sends every statement as text, so PostgreSQL parses and plans it on each call: for a
one-row read that is most of the database's CPU. A `Prepared` statement is compiled once into
PostgreSQL's `$n` form; a connection PREPAREs it the first time it runs it (remembered in the
pool's per-connection `info`, so a new connection after a reconnect prepares again) and EXECUTEs
it from then on. psycopg2 passes the values as literals, which take the types PostgreSQL gave the
parameters at PREPARE (a parameter whose type the statement does not fix needs a CAST in it).

After five executions PostgreSQL may switch to one generic plan for every value. Statements
whose plan depends on a value's content must not rely on it: the prefix search states its
index range with `>=` and `<` besides its LIKE (crud.py), which a generic plan can use.
"""

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

_DIALECT = postgresql.psycopg2.dialect()  # type: ignore[attr-defined]
_BIND = re.compile(r"%\((\w+)\)s")


class Prepared:
    """A statement run as EXECUTE `name`(...) on a connection that has PREPAREd it."""

    def __init__(self, name: str, statement: sa.ClauseElement) -> None:
        sql = str(statement.compile(dialect=_DIALECT))
        if "%%" in sql:  # a literal percent sign: the $n rewrite below assumes there is none
            raise ValueError(f"{name}: literal % in the statement")
        order: list[str] = []

        def number(bind: re.Match[str]) -> str:
            if bind[1] not in order:
                order.append(bind[1])
            return f"${order.index(bind[1]) + 1}"

        self.name = name
        self.prepare = f"PREPARE {name} AS {_BIND.sub(number, sql)}"
        self.params = tuple(order)
        self.execute = f"EXECUTE {name}({', '.join(['%s'] * len(order))})" if order else f"EXECUTE {name}"

    def __call__(self, connection: sa.Connection, params: Mapping[str, Any]) -> sa.CursorResult[Any]:
        prepared: set[str] = connection.info.setdefault("prepared", set())
        if self.name not in prepared:
            connection.exec_driver_sql(self.prepare)
            prepared.add(self.name)
        return connection.exec_driver_sql(self.execute, tuple(params[name] for name in self.params))
