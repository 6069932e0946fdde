"""`flask seed demo` (idempotent demo data) and `flask seed bulk` (millions of rows via COPY)."""

import io
import itertools
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from .extensions import db
from .models import Good, User
from .passwords import hash_password

DEMO_USERS = {"alice": "alice-demo-1", "bob": "bob-demo-1", "carol": "carol-demo-1"}

DEMO_GOODS = [
    ("Espresso Machine", "249.00", "15-bar pump, steam wand, 1.5 l tank."),
    ("Burr Coffee Grinder", "89.90", "40 grind settings, conical steel burrs."),
    ("French Press", "24.50", "1 l borosilicate glass with steel frame."),
    ("Pour-Over Kettle", "39.00", "Gooseneck spout, 0.9 l."),
    ("Ceramic Mug", "9.50", None),
    ("Travel Mug", "19.99", "Vacuum insulated, leak-proof lid."),
    ("Chef's Knife", "74.00", "20 cm, stainless steel."),
    ("Cutting Board", "29.00", "End-grain walnut."),
    ("Cast Iron Skillet", "45.00", "26 cm, pre-seasoned."),
    ("Dutch Oven", "119.00", "Enamelled cast iron, 5.5 l."),
    ("Nonstick Frying Pan", "34.90", None),
    ("Stand Mixer", "399.00", "4.8 l bowl, 10 speeds."),
    ("Hand Blender", "49.00", "With whisk and chopper attachments."),
    ("Toaster", "39.90", "Two slots, bagel setting."),
    ("Electric Kettle", "29.90", "1.7 l, auto shut-off."),
    ("Rice Cooker", "59.00", None),
    ("Mechanical Keyboard", "129.00", "Tenkeyless, brown switches."),
    ("Wireless Mouse", "39.00", "Silent clicks, USB receiver."),
    ("USB-C Hub", "44.99", "HDMI, 3x USB-A, SD card reader."),
    ("27-inch Monitor", "279.00", "2560x1440, IPS."),
    ("Laptop Stand", "35.00", "Aluminium, adjustable height."),
    ("Noise-Cancelling Headphones", "299.00", "Over-ear, 30 h battery."),
    ("Bluetooth Speaker", "59.90", "Waterproof, 12 h battery."),
    ("Webcam", "69.00", "1080p with privacy shutter."),
    ("Desk Lamp", "42.00", "LED, dimmable, warm to cool light."),
    ("Office Chair", "349.00", "Mesh back, lumbar support."),
    ("Standing Desk", "499.00", "Electric, 120x60 cm."),
    ("Notebook", "6.50", "A5, dotted, 160 pages."),
    ("Fountain Pen", "28.00", "Medium nib, converter included."),
    ("Backpack", "79.00", "25 l, laptop sleeve."),
    ("Running Shoes", "119.95", None),
    ("Yoga Mat", "32.00", "6 mm, non-slip."),
    ("Water Bottle", "17.50", "Stainless steel, 750 ml."),
    ("Bicycle Helmet", "64.00", "MIPS, size M."),
    ("Bike Lights Set", "27.90", "USB rechargeable, front and rear."),
    ("Camping Tent", "189.00", "Two-person, 2.1 kg."),
    ("Sleeping Bag", "99.00", "Comfort rating 2 °C."),
    ("Headlamp", "24.00", "300 lumen, red light mode."),
    ("Paperback Novel", "12.99", None),
    ("Cookbook", "32.00", "Vegetarian weeknight recipes."),
    ("Board Game", "44.00", "2-4 players, 60 minutes."),
    ("Jigsaw Puzzle", "18.00", "1000 pieces."),
    ("Houseplant Pot", "14.50", "Terracotta, 17 cm."),
    ("Watering Can", "16.00", "1.5 l, long spout."),
    ("Scented Candle", "21.00", "Cedar and bergamot."),
    ("Wool Blanket", "89.00", "130x180 cm."),
    ("Bath Towel", "19.00", "Organic cotton."),
    ("Electric Toothbrush", "79.99", "Pressure sensor, 2 min timer."),
    ("Umbrella", "25.00", "Windproof, automatic open."),
    ("Sunglasses", "0.00", "Promotional pair, free with any order."),
]

DEMO_LINKS = {
    "alice": ["Espresso Machine", "Burr Coffee Grinder", "Ceramic Mug", "Mechanical Keyboard", "Yoga Mat"],
    "bob": ["French Press", "Ceramic Mug", "Cast Iron Skillet", "Camping Tent", "Headlamp", "Board Game"],
    "carol": ["Standing Desk", "Office Chair", "27-inch Monitor", "Fountain Pen", "Notebook"],
}


@click.group()
def seed() -> None:
    """Load demo or bulk data."""


@seed.command("demo")
@with_appcontext
def seed_demo() -> None:
    """Create the demo users, about 50 goods and some links; running it again changes nothing.

    Written with the course's many-to-many idioms on purpose: `user.goods.filter_by(...)` asks
    whether a link exists, `user.goods.append(good)` makes it, `good.users` counts the owners.
    """
    users = {
        user.username.lower(): user
        for user in db.session.scalars(sa.select(User).where(sa.func.lower(User.username).in_(DEMO_USERS)))
    }
    for username, password in DEMO_USERS.items():
        if username not in users:
            users[username] = User(username=username, password_hash=hash_password(password))
            db.session.add(users[username])
    lowered = [name.lower() for name, _, _ in DEMO_GOODS]
    goods = {
        good.name.lower(): good
        for good in db.session.scalars(sa.select(Good).where(sa.func.lower(Good.name).in_(lowered)))
    }
    for name, price, description in DEMO_GOODS:
        if name.lower() not in goods:  # names are unique ignoring case
            goods[name.lower()] = Good(name=name, price=Decimal(price), description=description)
            db.session.add(goods[name.lower()])
    db.session.flush()  # ids for the links
    for username, names in DEMO_LINKS.items():
        user = users[username]
        for good in (goods[name.lower()] for name in names):
            if user.goods.filter_by(id=good.id).first() is None:
                user.goods.append(good)
    db.session.commit()
    links = sum(good.users.count() for good in goods.values())
    click.echo(f"demo data ready: {len(users)} users, {len(goods)} goods, {links} links to them")


ADJECTIVES = "amber azure brass bright cedar copper coral crimson dusty golden ivory jade linen maple "
ADJECTIVES += "misty olive onyx pearl quiet rustic sage silver slate smoky steel velvet walnut woolen"
NOUNS = "backpack basket blanket bottle bowl candle chair clock cushion desk grinder hammock jar kettle "
NOUNS += "lamp lantern mat mirror mug notebook pan pillow planter rug scarf shelf skillet speaker stool "
NOUNS += "teapot towel tray umbrella vase wallet"


@seed.command("bulk")
@click.option("--users", "n_users", type=click.IntRange(min=0), default=0, help="users to create")
@click.option("--goods", "n_goods", type=click.IntRange(min=0), default=0, help="goods to create")
@click.option("--links", "n_links", type=click.IntRange(min=0), default=0, help="user-good links to create")
@click.option("--seed", "rng_seed", type=int, default=42, help="random seed")
@with_appcontext
def seed_bulk(n_users: int, n_goods: int, n_links: int, rng_seed: int) -> None:
    """Load many rows fast with PostgreSQL COPY. Bulk users all share the password 'bulk-password-1'."""
    bulk_load(n_users, n_goods, n_links, rng_seed, progress=True)


def bulk_load(n_users: int, n_goods: int, n_links: int, rng_seed: int = 42, progress: bool = False) -> None:
    """COPY users, goods and links into the database bound to the app's engine."""
    rng = random.Random(rng_seed)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET LOCAL statement_timeout = 0")  # bulk loads legitimately take a while
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")  # index rebuilds after big loads
        cur.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM users), (SELECT coalesce(max(id), 0) FROM goods)"
        )
        base_user, base_good = cur.fetchone() or (0, 0)
        if n_users:
            password_hash = hash_password("bulk-password-1")  # one hash: argon2 per row would take hours
            rows = (f"bulk_{base_user + i}\t{password_hash}\n" for i in range(1, n_users + 1))
            _copy(cur, "users (username, password_hash)", rows, n_users, "users", progress)
        if n_goods:
            adjectives, nouns = ADJECTIVES.split(), NOUNS.split()
            rows = (
                f"{rng.choice(adjectives).title()} {rng.choice(nouns)} {base_good + i}\t"
                f"{rng.randrange(0, 100000) / 100:.2f}\t\\N\n"
                for i in range(1, n_goods + 1)
            )
            with _indexes_rebuilt_after(cur, "goods", n_goods):
                _copy(cur, "goods (name, price, description)", rows, n_goods, "goods", progress)
        if n_links:
            cur.execute("SELECT id FROM users ORDER BY id")
            user_ids = [r[0] for r in cur.fetchall()]
            cur.execute("SELECT id FROM goods ORDER BY id")
            good_ids = [r[0] for r in cur.fetchall()]
            if n_links > len(user_ids) * len(good_ids):
                raise click.ClickException("--links is larger than users x goods; add users or goods")
            links = _link_rows(rng, user_ids, good_ids, n_links)
            cur.execute("SELECT EXISTS (SELECT 1 FROM users_goods)")
            if not (cur.fetchone() or (False,))[0]:
                # empty table: the generated pairs are distinct, so COPY straight in
                with _indexes_rebuilt_after(cur, "users_goods", n_links):
                    _copy(
                        cur, "users_goods (user_id, good_id, created_at)", links, n_links, "links", progress
                    )
            else:
                # existing pairs are skipped rather than failing the whole load
                cur.execute("CREATE TEMP TABLE bulk_links (LIKE users_goods) ON COMMIT DROP")
                _copy(cur, "bulk_links (user_id, good_id, created_at)", links, n_links, "links", progress)
                with _indexes_rebuilt_after(cur, "users_goods", n_links):
                    cur.execute("INSERT INTO users_goods SELECT * FROM bulk_links ON CONFLICT DO NOTHING")
        cur.execute("ANALYZE users; ANALYZE goods; ANALYZE users_goods")
        raw.commit()
    finally:
        raw.close()


def _link_rows(rng: random.Random, user_ids: list[int], good_ids: list[int], n: int) -> Iterator[str]:
    """Distinct (user, good) pairs: each user gets a run of goods starting at a random offset.

    Rows come out in primary-key order, so the PK btree and the foreign-key checks stay in cache
    (random order made the load several times slower)."""
    n_users, n_goods = len(user_ids), len(good_ids)
    now = datetime.now(UTC)
    year = int(timedelta(days=365).total_seconds())
    for u, user_id in enumerate(user_ids):
        count = n // n_users + (1 if u < n % n_users else 0)
        start = rng.randrange(n_goods)
        positions = sorted((start + j) % n_goods for j in range(count))
        for position in positions:
            added = now - timedelta(seconds=rng.randrange(year))
            yield f"{user_id}\t{good_ids[position]}\t{added.isoformat()}\n"


@contextmanager
def _indexes_rebuilt_after(cur, table: str, rows: int) -> Iterator[None]:
    """For big loads, drop the table's secondary indexes and foreign keys, then recreate them
    from their own definitions: one sort per index and one join per foreign key instead of a
    million index inserts and trigger calls. It all happens in the caller's transaction, so a
    failure leaves the schema as it was; unique indexes and foreign keys re-check on rebuild."""
    if rows < 100_000:
        yield
        return
    cur.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
        " WHERE indrelid = %s::regclass AND NOT indisprimary",
        (table,),
    )
    indexes = cur.fetchall()
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'f'",
        (table,),
    )
    foreign_keys = cur.fetchall()
    for name, _ in foreign_keys:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    yield
    for _, definition in indexes:
        cur.execute(definition)
    for name, definition in foreign_keys:
        cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _copy(cur, target: str, rows: Iterator[str], total: int, label: str, progress: bool) -> None:
    """COPY `rows` in batches of 50,000 lines (one statement each, all in the caller's transaction)."""
    out: Any = io.StringIO()
    if progress:
        out = sys.stderr
    bar: Any
    with click.progressbar(length=total, label=f"{label:>6}", file=out) as bar:
        while batch := list(itertools.islice(rows, 50_000)):
            cur.copy_expert(f"COPY {target} FROM STDIN", io.StringIO("".join(batch)))
            bar.update(len(batch))
