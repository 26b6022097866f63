"""Product users of an account's workspace (``usage.users``): invited toward the adoption the
account's engagement supports, capped by its seats; deactivated when the account leaves."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np

from . import engagement as eng
from .crm import new_person
from .ids import ident
from .records import write_product_user
from .state import Account, ProductUser
from .world import World


def sync_product_users(world: World, account: Account, month_start: datetime, month_end: datetime) -> None:
    """Invite users up to the adoption target, or drop the least active when over seats."""
    if not account.is_live:
        return
    rng = account.rng
    target = min(account.seats, max(1, math.ceil(account.seats * eng.adoption_target(account))))
    have = len(account.users)
    if have < target:
        add = max(1, math.ceil((target - have) * rng.uniform(0.3, 0.8)))
        lo = max(month_start, account.live_since or month_start)
        for _ in range(add):
            at = lo + timedelta(seconds=float(rng.uniform(0, max(1.0, (month_end - lo).total_seconds() - 1))))
            _invite(world, account, at)
    elif have > account.seats or (have > target + 2 and rng.random() < 0.3):
        drop = sorted(account.users, key=lambda u: (u.propensity, u.id))[: max(1, have - max(target, 1))]
        for user in drop:
            at = month_start + timedelta(
                seconds=float(rng.uniform(0, (month_end - month_start).total_seconds() - 1))
            )
            at = max(at, user.created_at + timedelta(seconds=1))
            if user.role == "owner" or at >= month_end:
                continue
            account.users.remove(user)
            write_product_user(world, account, user, at, deactivated=at)


def _invite(world: World, account: Account, at: datetime) -> None:
    """A new product user; the first is the owner (the champion, when there is one)."""
    rng = account.rng
    n = account.next_number("user")
    champion = account.champion() if n == 1 else None
    if champion is not None:
        email = champion.email
    else:
        _first, _last, email = new_person(account)
    role = _role(n, rng)
    if rng.random() < 0.05:  # the same person, typed differently
        email = email.upper() if rng.random() < 0.5 else email.capitalize()
    user = ProductUser(
        ident("usr_", world.seed, account.index, n),
        ident("anon-", world.seed, account.index, n, n=20),
        email,
        role,
        float(rng.normal(0.0, 0.9)),
        at,
    )
    account.users.append(user)
    write_product_user(world, account, user, at)


def _role(n: int, rng: np.random.Generator) -> str:
    """The first user owns the workspace, the next two administer it, most others are members."""
    if n == 1:
        return "owner"
    if n <= 3:
        return "admin"
    return "member" if rng.random() < 0.8 else "viewer"


def on_deactivate_user(world: World, account: Account, at: datetime, user_id: str) -> None:
    for user in account.users:
        if user.id == user_id and not account.is_live:
            account.users.remove(user)
            write_product_user(world, account, user, at, deactivated=at)
            return
