"""Every SQL statement the API runs, as keyword-only functions that take values and return rows.

Routes read the request, call these and shape the answer (serializers.py); nothing here knows
about HTTP. Each function is one statement on a connection of the autocommit pool
(`extensions.autocommit`): one round trip, atomic on its own. Each statement is built once, at
import or per variant (functools.cache), and only bound per call; the hot ones (one good, the
prefix search, a page of someone's goods, add and remove) are server-side prepared statements
(prepared.py), so PostgreSQL plans them once per connection. Work for a signed-in user
folds the account check into its own statement (`ACCOUNT_MATCHES`); the caller asks about the
account separately (`auth.require_account`) only when that statement found nothing.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

import psycopg2.extensions
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .extensions import autocommit
from .models import Good, User, UserGood, name_key
from .prepared import Prepared

# pg_trgm cannot index fewer than 3 characters; shorter queries return prefix matches only.
MIN_SUBSTRING_LENGTH = 3
GOOD_COLUMNS = (Good.id, Good.name, Good.price, Good.description, Good.created_at)
USER_COLUMNS = (User.id, User.username, User.created_at)

# The account a signed-in request names still exists under that name (a deleted or re-created
# account invalidates the gateway's assertions); folded into the signed-in statements as a guard.
ACCOUNT_MATCHES = sa.exists().where(
    User.id == sa.bindparam("user_id"), User.username == sa.bindparam("username")
)


# numeric and timestamptz as PostgreSQL's own text: the answer needs text, and a page of rows
# turned into Decimal and datetime objects and back cost a few microseconds a row (bench/README.md).
_AS_TEXT = psycopg2.extensions.new_type((1700, 1184), "SHOP_AS_TEXT", lambda value, _cursor: value)


def read_prices_and_times_as_text(engine: sa.Engine) -> None:
    """Make the statements here return prices and times as text (serializers.py shapes them).

    For the engine these functions use only: the ORM, migrations and the CLI keep Decimal and
    datetime. numeric(10, 2)'s text has its two decimals; a timestamptz reads like
    "2026-12-04 04:19:45.6781+00" (DateStyle ISO, TimeZone UTC: config.py), which
    serializers.iso_time() writes the way datetime.isoformat() would.
    """

    @sa.event.listens_for(engine, "connect")
    def register(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        psycopg2.extensions.register_type(_AS_TEXT, dbapi_connection)


def like_escape(text: str) -> str:
    """Escape LIKE wildcards so user text matches literally (backslash is PostgreSQL's default)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _owners_count(good_id: Any) -> sa.ScalarSelect[int]:
    """How many users have good `good_id` (served by the users_goods good_id index)."""
    owners = sa.select(sa.func.count()).where(UserGood.good_id == good_id)
    return owners.correlate_except(UserGood).scalar_subquery()


# --- goods -----------------------------------------------------------------------------------


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """The range of lower(name) COLLATE "C" holding every name that starts with `prefix`: from
    `prefix` up to (not including) the next string of its length, None when there is none. Byte
    order of UTF-8 is code point order, so the next string bumps the last code point that can be
    (skipping the surrogates, which UTF-8 cannot hold)."""
    chars = prefix.rstrip(chr(0x10FFFF))
    if not chars:
        return prefix, None
    bumped = ord(chars[-1]) + 1
    return prefix, chars[:-1] + chr(0xE000 if 0xD800 <= bumped <= 0xDFFF else bumped)


@cache
def _prefix_matches(filtered: bool, after: bool, bounded: bool) -> Prepared:
    """Goods whose lower(name) starts with :prefix (or all goods), by name, from :after on.

    The LIKE decides; the range (:low, :high) says the same in a form a generic plan of the
    prepared statement can scan the name index with (LIKE $1 gives the planner no prefix)."""
    key = name_key(Good.name)
    stmt: sa.Select = (
        sa.select(*GOOD_COLUMNS, sa.literal_column("0").label("phase"))
        .order_by(key)
        .limit(sa.bindparam("limit"))
    )
    if filtered:
        stmt = stmt.where(key >= sa.bindparam("low"), key.like(sa.bindparam("prefix")))
    if filtered and bounded:
        stmt = stmt.where(key < sa.bindparam("high"))
    if after:
        stmt = stmt.where(key > sa.bindparam("after"))
    return Prepared(f"prefix_matches_{filtered:d}{after:d}{bounded:d}", stmt)


@cache
def _substring_matches(after: bool) -> sa.Select:
    """Goods whose name contains :pattern but does not start with it, by name."""
    key = name_key(Good.name)
    stmt: sa.Select = (
        sa.select(*GOOD_COLUMNS, sa.literal_column("1").label("phase"))
        .where(sa.func.lower(Good.name).like(sa.bindparam("pattern")), ~key.like(sa.bindparam("prefix")))
        .order_by(key)
        .limit(sa.bindparam("limit"))
    )
    if after:
        stmt = stmt.where(key > sa.bindparam("after"))
    return stmt


def search_goods(*, q: str, phase: int, after: str | None, limit: int) -> Sequence[sa.Row]:
    """Up to `limit` goods by name, each row with its `phase`: with `q`, phase 0 are the names
    starting with it, then phase 1 those containing it (3+ characters); from (`phase`, `after`,
    a lower-cased name) on."""
    needle = like_escape(q.lower())
    low, high = prefix_range(q.lower())
    params = {"prefix": needle + "%", "pattern": "%" + needle + "%", "low": low, "high": high}
    rows: list[sa.Row] = []
    with autocommit() as connection:
        if phase == 0:
            prefix_matches = _prefix_matches(bool(q), after is not None, high is not None)
            rows += prefix_matches(connection, {**params, "after": after, "limit": limit})
            after = None
        if q and len(q) >= MIN_SUBSTRING_LENGTH and len(rows) < limit:
            stmt = _substring_matches(after is not None)
            rows += connection.execute(stmt, {**params, "after": after, "limit": limit - len(rows)})
    return rows


GOOD_WITH_OWNERS_COUNT = Prepared(
    "good_with_owners_count",
    sa.select(*GOOD_COLUMNS, _owners_count(Good.id).label("owners_count")).where(
        Good.id == sa.bindparam("good_id")
    ),
)


def good_with_owners_count(*, good_id: int) -> sa.Row | None:
    """The good with its number of owners, or None."""
    with autocommit() as connection:
        return GOOD_WITH_OWNERS_COUNT(connection, {"good_id": good_id}).first()


# The unique index on lower(name) decides, so of two racing creates one gets no row back.
CREATE_GOOD = insert(Good).on_conflict_do_nothing().returning(*GOOD_COLUMNS)


def create_good(*, name: str, price: Decimal, description: str | None) -> sa.Row | None:
    """The new good, or None when a good of that name (ignoring case) exists."""
    params = {"name": name, "price": price, "description": description}
    with autocommit() as connection:
        return connection.execute(CREATE_GOOD, params).first()


GOOD_EXISTS = sa.select(sa.exists().where(Good.id == sa.bindparam("good_id")))


def good_exists(*, good_id: int) -> bool:
    """Whether good `good_id` exists."""
    with autocommit() as connection:
        return bool(connection.execute(GOOD_EXISTS, {"good_id": good_id}).scalar())


@cache
def _owners_page(after: bool) -> sa.Select:
    """A page of the users who have :good_id, by user id, from :after on."""
    stmt = (
        sa.select(User.id, User.username)
        .join(UserGood, UserGood.user_id == User.id)
        .where(UserGood.good_id == sa.bindparam("good_id"))
        .order_by(UserGood.user_id)
        .limit(sa.bindparam("limit"))
    )
    if after:
        stmt = stmt.where(UserGood.user_id > sa.bindparam("after"))
    return stmt


def good_owners(*, good_id: int, after: int | None, limit: int) -> Sequence[sa.Row]:
    """Up to `limit` owners of the good (id, username) with ids above `after`; [] also when
    there is no such good."""
    params = {"good_id": good_id, "after": after, "limit": limit}
    with autocommit() as connection:
        return connection.execute(_owners_page(after is not None), params).all()


# --- users -----------------------------------------------------------------------------------

USER_BY_NAME = sa.select(*USER_COLUMNS, User.password_hash).where(
    sa.func.lower(User.username) == sa.bindparam("lowered")
)


def user_by_name(*, username: str) -> sa.Row | None:
    """The user (with its password hash) named `username` ignoring case, or None.

    Served by the unique index on lower(username)."""
    with autocommit() as connection:
        return connection.execute(USER_BY_NAME, {"lowered": username.lower()}).first()


# The unique index on lower(username) decides, so of two racing sign-ups one gets no row back.
CREATE_USER = insert(User).on_conflict_do_nothing().returning(*USER_COLUMNS)


def create_user(*, username: str, password_hash: str) -> sa.Row | None:
    """The new user, or None when the name (ignoring case) is taken."""
    with autocommit() as connection:
        params = {"username": username, "password_hash": password_hash}
        return connection.execute(CREATE_USER, params).first()


SET_PASSWORD_HASH = (
    sa.update(User)
    .where(User.id == sa.bindparam("user_id"))
    .values(password_hash=sa.bindparam("password_hash"))
)


def set_password_hash(*, user_id: int, password_hash: str) -> None:
    """Store a new hash of the same password (stronger parameters)."""
    with autocommit() as connection:
        connection.execute(SET_PASSWORD_HASH, {"user_id": user_id, "password_hash": password_hash})


USER_WITH_GOODS_COUNT = sa.select(
    *USER_COLUMNS,
    sa.select(sa.func.count())
    .where(UserGood.user_id == User.id)
    .correlate_except(UserGood)
    .scalar_subquery()
    .label("goods_count"),
).where(User.id == sa.bindparam("user_id"))


def user_with_goods_count(*, user_id: int) -> sa.Row | None:
    """The user's public columns with their number of goods, or None."""
    with autocommit() as connection:
        return connection.execute(USER_WITH_GOODS_COUNT, {"user_id": user_id}).first()


USERNAME_BY_ID = sa.select(User.username).where(User.id == sa.bindparam("user_id"))


def username_of(*, user_id: int) -> str | None:
    """The username of user `user_id`, or None when there is no such user."""
    with autocommit() as connection:
        return connection.execute(USERNAME_BY_ID, {"user_id": user_id}).scalar()


# --- who owns what ---------------------------------------------------------------------------


@cache
def _owned_page(filtered: bool, after: bool, guarded: bool) -> Prepared:
    """A page of :user_id's goods, newest link first, optionally filtered, from a keyset on."""
    stmt = (
        sa.select(*GOOD_COLUMNS, UserGood.created_at.label("added_at"))
        .join(UserGood, UserGood.good_id == Good.id)
        .where(UserGood.user_id == sa.bindparam("user_id"))
        .order_by(UserGood.created_at.desc(), UserGood.good_id.desc())
        .limit(sa.bindparam("limit"))
    )
    if filtered:
        stmt = stmt.where(sa.func.lower(Good.name).like(sa.bindparam("pattern")))
    if after:
        keyset = sa.tuple_(sa.bindparam("added_at", type_=UserGood.created_at.type), sa.bindparam("good_id"))
        stmt = stmt.where(sa.tuple_(UserGood.created_at, UserGood.good_id) < keyset)
    if guarded:
        stmt = stmt.where(ACCOUNT_MATCHES)
    return Prepared(f"owned_page_{filtered:d}{after:d}{guarded:d}", stmt)


def owned_goods(
    *, user_id: int, q: str, after: tuple[datetime, int] | None, limit: int, username: str | None = None
) -> Sequence[sa.Row]:
    """Up to `limit` of the user's goods with `added_at`, most recently added first, whose name
    contains `q`, from the keyset `after` (added_at, good id) on.

    With `username` (the owner asking) the rows come back only while the account still has
    that name.
    """
    params: dict[str, Any] = {"user_id": user_id, "limit": limit, "username": username}
    if q:
        params["pattern"] = "%" + like_escape(q.lower()) + "%"
    if after:
        params["added_at"], params["good_id"] = after
    owned_page = _owned_page(bool(q), after is not None, username is not None)
    with autocommit() as connection:
        return owned_page(connection, params).all()


MY_GOOD = Prepared(
    "my_good",
    sa.select(*GOOD_COLUMNS, UserGood.created_at.label("added_at"))
    .join(UserGood, UserGood.good_id == Good.id)
    .where(UserGood.user_id == sa.bindparam("user_id"), Good.id == sa.bindparam("good_id"), ACCOUNT_MATCHES),
)


def my_good(*, user_id: int, username: str, good_id: int) -> sa.Row | None:
    """The good with `added_at` when the user has it, else None (also for a stale account)."""
    params = {"user_id": user_id, "username": username, "good_id": good_id}
    with autocommit() as connection:
        return MY_GOOD(connection, params).first()


def _add_my_good() -> sa.Select:
    """The whole add as one statement; each part answers one question, top to bottom.

    good:         does the good exist, and is the account still the one asserted? (no row: 404 or 401)
    added:        did this statement make the link, and when? (201) The pair is the primary key,
                  so concurrent adds wait for each other and all but one do nothing.
    earlier:      when was the link made, if before this statement began? (200)
    owners_count: how many owners now? Those this statement saw plus the link it added: all parts
                  share one snapshot, so the count cannot see that insert.
    """
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    good = sa.select(*GOOD_COLUMNS).where(Good.id == sa.bindparam("good_id"), ACCOUNT_MATCHES).cte("good")
    added = (
        insert(UserGood)
        .from_select(["user_id", "good_id"], sa.select(user_id, good.c.id))
        .on_conflict_do_nothing(index_elements=["user_id", "good_id"])
        .returning(UserGood.created_at)
        .cte("added")
    )
    earlier = aliased(UserGood, name="earlier")
    owners_count = _owners_count(good.c.id) + sa.select(sa.func.count()).select_from(added).scalar_subquery()
    return sa.select(
        good,
        added.c.created_at.label("added_at"),
        earlier.created_at.label("earlier_at"),
        owners_count.label("owners_count"),
    ).select_from(
        good.outerjoin(added, sa.true()).outerjoin(
            earlier, sa.and_(earlier.user_id == user_id, earlier.good_id == good.c.id)
        )
    )


ADD_MY_GOOD = Prepared("add_my_good", _add_my_good())
# For an add that found the link made by a concurrent add committed after its own snapshot.
LINK_NOW = sa.select(UserGood.created_at, _owners_count(sa.bindparam("good_id")).label("owners_count")).where(
    UserGood.user_id == sa.bindparam("user_id"), UserGood.good_id == sa.bindparam("good_id")
)


def add_my_good(*, user_id: int, username: str, good_id: int) -> dict[str, Any] | None:
    """Link the good to the user (idempotent).

    Returns {"good": the good's row, "created": whether this call made the link, "added_at":
    when the link was made, "owners_count"}; None when there is no such good (or the account
    is stale); "added_at" None when the link was removed again while this call ran.
    """
    params = {"user_id": user_id, "username": username, "good_id": good_id}
    with autocommit() as connection:
        try:
            row = ADD_MY_GOOD(connection, params).first()
        except IntegrityError:  # the good (or the account) was deleted while being added
            return None
        if row is None:
            return None
        result = {"good": row, "created": row.added_at is not None, "owners_count": row.owners_count}
        if row.added_at is not None or row.earlier_at is not None:
            return {**result, "added_at": row.added_at or row.earlier_at}
        # Linked by a concurrent add that committed after this statement's snapshot was taken
        # (ON CONFLICT waited for it), which only a new statement can see.
        link = connection.execute(LINK_NOW, params).first()
    if link is None:
        return {**result, "added_at": None}
    return {**result, "added_at": link.created_at, "owners_count": link.owners_count}


def _remove_my_good() -> sa.Select:
    """The whole remove as one statement.

    removed:      was there a link to remove (and the account the one asserted)?
    owners_count: how many owners now? Those this statement saw minus the link it removed (the
                  count shares the DELETE's snapshot).
    """
    removed = (
        sa.delete(UserGood)
        .where(
            UserGood.user_id == sa.bindparam("user_id"),
            UserGood.good_id == sa.bindparam("good_id"),
            ACCOUNT_MATCHES,
        )
        .returning(UserGood.good_id)
        .cte("removed")
    )
    removed_count = sa.select(sa.func.count()).select_from(removed).scalar_subquery()
    return sa.select(
        removed_count.label("removed"),
        (_owners_count(sa.bindparam("good_id")) - removed_count).label("owners_count"),
    )


REMOVE_MY_GOOD = Prepared("remove_my_good", _remove_my_good())


def remove_my_good(*, user_id: int, username: str, good_id: int) -> sa.Row:
    """Unlink the good from the user: (`removed`: 0 or 1 links, the good's `owners_count`).

    Nothing is removed for a stale account."""
    params = {"user_id": user_id, "username": username, "good_id": good_id}
    with autocommit() as connection:
        return REMOVE_MY_GOOD(connection, params).one()
