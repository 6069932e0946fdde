"""The ORM idioms: user.goods / good.users many-to-many, both sides queried and changed."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from catalog_service.extensions import db
from catalog_service.models import Good, User, UserGood
from catalog_service.passwords import hash_password, verify_password

pytestmark = pytest.mark.usefixtures("ctx")


def add_user(name: str) -> User:
    user = User(username=name, password_hash="$argon2id$placeholder")
    db.session.add(user)
    return user


def add_good(name: str, price: str = "1.00") -> Good:
    good = Good(name=name, price=Decimal(price))
    db.session.add(good)
    return good


def test_append_and_filter_by_on_user_goods():
    alice = add_user("alice")
    teapot, lamp = add_good("Teapot"), add_good("Lamp")
    alice.goods.append(teapot)
    alice.goods.append(lamp)
    db.session.commit()
    assert alice.goods.count() == 2
    assert alice.goods.filter_by(name="Lamp").one() is lamp
    # the server default filled created_at on the association row
    assert db.session.scalar(sa.select(UserGood.created_at).where(UserGood.good_id == lamp.id)) is not None


def test_back_reference_good_users_is_queryable_and_writable():
    alice, bob = add_user("alice"), add_user("bob")
    teapot = add_good("Teapot")
    teapot.users.append(alice)
    teapot.users.append(bob)
    db.session.commit()
    assert sorted(u.username for u in teapot.users) == ["alice", "bob"]
    assert teapot.users.filter_by(username="bob").one() is bob
    assert bob.goods.all() == [teapot]  # the other side sees it


def test_remove_on_both_sides():
    alice = add_user("alice")
    teapot, lamp = add_good("Teapot"), add_good("Lamp")
    alice.goods.extend([teapot, lamp])
    db.session.commit()
    alice.goods.remove(teapot)
    lamp.users.remove(alice)
    db.session.commit()
    assert alice.goods.count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserGood)) == 0


def test_deleting_a_good_cascades_to_links_in_the_database():
    alice = add_user("alice")
    teapot = add_good("Teapot")
    alice.goods.append(teapot)
    db.session.commit()
    db.session.delete(teapot)
    db.session.commit()
    assert alice.goods.count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserGood)) == 0


def test_pair_is_unique():
    alice = add_user("alice")
    teapot = add_good("Teapot")
    alice.goods.append(teapot)
    db.session.commit()
    db.session.execute(sa.text("SAVEPOINT s"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.insert(UserGood).values(user_id=alice.id, good_id=teapot.id))
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO goods (name, price) VALUES ('x', -1)",
        "INSERT INTO goods (name, price) VALUES ('', 1)",
        "INSERT INTO users (username, password_hash) VALUES ('no spaces!', 'h')",
    ],
)
def test_database_constraints_back_the_validation(statement):
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text(statement))
    db.session.rollback()


def test_names_are_unique_ignoring_case_in_the_database():
    add_good("Teapot")
    add_user("alice")
    db.session.commit()
    for statement in [
        "INSERT INTO goods (name, price) VALUES ('TEAPOT', 1)",
        "INSERT INTO users (username, password_hash) VALUES ('Alice', 'h')",
    ]:
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text(statement))
        db.session.rollback()


def test_password_hash_verifies_and_is_not_the_password():
    hashed = hash_password("s3cret-pass")
    assert hashed.startswith("$argon2id$") and "s3cret-pass" not in hashed
    assert verify_password(hashed, "s3cret-pass")
    assert not verify_password(hashed, "s3cret-pasS")
    assert not verify_password(None, "s3cret-pass")
    assert not verify_password("not a hash", "s3cret-pass")
