"""Time zones, for every package: which names are valid, and each person's zone.

A person may choose a zone on the Preferences page (`User.time_zone`); when they have not,
a higher layer says what their default is (the organisations package: their organisation's
zone) through `set_default_provider`, and without one it is UTC. Names are IANA names
checked against `zoneinfo.available_timezones()`, so a stored name always loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from coursework.accounts.models import User
from coursework.db import utcnow

DEFAULT = "UTC"
# user ids -> {user id: zone name} for those with a default other than UTC.
DefaultProvider = Callable[[Iterable[int]], dict[int, str]]
_default_provider: DefaultProvider | None = None


@cache
def names() -> tuple[str, ...]:
    """Every zone name this system knows, sorted (the "posix/" and "right/" copies left out)."""
    return tuple(sorted(n for n in available_timezones() if not n.startswith(("posix/", "right/"))))


def is_zone(name: object) -> bool:
    return isinstance(name, str) and name in _known()


@cache
def _known() -> frozenset[str]:
    return frozenset(names())


def zone(name: str | None) -> ZoneInfo:
    """The zone of a stored name; UTC for none (or one this system no longer knows)."""
    return ZoneInfo(name if name and is_zone(name) else DEFAULT)


def set_default_provider(provider: DefaultProvider | None) -> None:
    """Register how a person's default zone is found (called by a higher layer)."""
    global _default_provider
    _default_provider = provider


def default_names(user_ids: Iterable[int]) -> dict[int, str]:
    """{user id: default zone name} for people who chose none; UTC when nobody says."""
    ids = list(user_ids)
    found = _default_provider(ids) if _default_provider and ids else {}
    return {user_id: found.get(user_id, DEFAULT) for user_id in ids}


def zones_of(people: Iterable[tuple[int, str | None]]) -> dict[int, ZoneInfo]:
    """{user id: zone} for (user id, chosen zone or None) pairs, defaults read at once."""
    # Not dict(people): a SQLAlchemy result has keys() and would be taken for a mapping.
    chosen = {user_id: name for user_id, name in people}  # noqa: C416
    defaults = default_names(uid for uid, name in chosen.items() if not is_zone(name))
    return {uid: zone(name if is_zone(name) else defaults[uid]) for uid, name in chosen.items()}


def zone_of(user: User) -> ZoneInfo:
    return zones_of([(user.id, user.time_zone)])[user.id]


def local_date(moment: datetime, where: ZoneInfo) -> date:
    """The calendar date at `moment` (naive means UTC) in a zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(where).date()


def today(where: ZoneInfo | str | None = None, now: datetime | None = None) -> date:
    """The one "today" of the app: the date on the UTC clock's current moment (or `now`)
    read in a zone (a zone, a stored name, or None for UTC). Never the server's own
    calendar (`date.today()`), which is neither the learner's nor the organisation's and
    moves a due date into "overdue" hours early or late."""
    if not isinstance(where, ZoneInfo):
        where = zone(where)
    return local_date(now or utcnow(), where)


def today_for(user: User, now: datetime | None = None) -> date:
    """Today where this person is: their chosen zone, else their organisation's, else UTC."""
    return today(zone_of(user), now)
