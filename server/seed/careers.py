"""Career histories: rank promotions and earlier posts, consistent with the database's own rules.

Earlier posts are placed through ``SeatBook``: every position has ``quota`` seats, and each seat
remembers from which date onward it is taken. A past assignment only goes into a seat that was free
then, and the seat is then taken from that assignment's start. So a managerial post never has two
definitive holders on one day, no post ever has more holders than its quota, and, since each
person's posts are laid end to end backwards from the current one, nobody holds two posts at once.
A demo persona's posts always reach back to their first appointment (the TMT CPNS in their NIP), so
the experience and years-in-post guards read the career the NIP tells.
"""

from __future__ import annotations

import datetime as dt
import random

from server.domain.ranks import RANK_CODES, rank_index
from server.seed.calendar import REFERENCE_DATE, add_months, promotion_period_on_or_after, promotion_period_on_or_before
from server.seed.people import Person
from server.seed.positions import PositionSpec

_NEVER_TAKEN = dt.date.max
_PREVIOUS_POST = {  # where someone in a post of this type plausibly served before
    "JPT_MADYA": "JPT_PRATAMA",
    "JPT_PRATAMA": "ADMINISTRATOR",
    "ADMINISTRATOR": "PENGAWAS",
    "PENGAWAS": "PELAKSANA",
}


class DecreeNumbers:
    """Decree numbers per archive code and year, in the order decrees are generated (deterministic)."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, int], int] = {}

    def next(self, code: str, day: dt.date) -> str:
        key = (code, day.year)
        self._last[key] = self._last.get(key, 0) + 1
        return f"{code}/{self._last[key]:05d}/{day.year}"


def rank_history(rng: random.Random, person: Person) -> list[tuple[str, dt.date]]:
    """From the starting rank at first appointment up to the current rank, one step about every 4 years."""
    if person.rank_code is None or person.start_rank is None:
        return []
    ranks = RANK_CODES[rank_index(person.start_rank) : rank_index(person.rank_code) + 1]
    history = [(ranks[0], person.appointed)]
    last_period = promotion_period_on_or_before(REFERENCE_DATE)
    for step, rank in enumerate(ranks[1:], 1):
        tmt = promotion_period_on_or_after(add_months(person.appointed, 48 * step + rng.randint(0, 6)))
        tmt = max(min(tmt, last_period), promotion_period_on_or_after(add_months(history[-1][1], 1)))
        history.append((rank, tmt))
    return history


class SeatBook:
    """Which seats of which positions were free when, and which positions suit an earlier post."""

    def __init__(self, positions: list[PositionSpec]) -> None:
        self._taken_from: dict[int, list[dt.date]] = {p.id: [_NEVER_TAKEN] * p.quota for p in positions}
        self._pools: dict[str, list[int]] = {}
        for p in positions:
            self._pools.setdefault(_pool_key(p.type, p.title), []).append(p.id)
            self._pools.setdefault(p.type, []).append(p.id)

    def occupy(self, position_id: int, start: dt.date) -> None:
        """The current holder takes a free seat from ``start`` on."""
        seats = self._taken_from[position_id]
        seats[seats.index(_NEVER_TAKEN)] = start

    def earlier_posts(
        self, rng: random.Random, person: Person, position: PositionSpec
    ) -> list[tuple[int, dt.date, dt.date]]:
        """Up to three earlier posts filling the years between first appointment and the current post."""
        months = (
            (person.post_start.year - person.appointed.year) * 12 + person.post_start.month - person.appointed.month
        )
        if months < 12:
            return []
        cuts = (
            sorted(rng.sample(range(12, months - 11), k=min(rng.randint(0, 2), max(0, months - 23))))
            if months >= 24
            else []
        )
        starts = [person.appointed, *(add_months(person.appointed, c) for c in cuts)]
        pool = (
            self._pools.get(_PREVIOUS_POST.get(position.type, ""))
            or self._pools[_pool_key(position.type, position.title)]
        )
        fallback = self._pools[_pool_key(position.type, position.title)] if person.clean else []
        posts: list[tuple[int, dt.date, dt.date]] = []
        end = person.post_start - dt.timedelta(days=1)
        for start in reversed(starts):
            seat = self._free_seat(rng, pool, exclude=position.id, until=end)
            if seat is None and person.clean:
                seat = self._first_free_seat([*pool, *fallback], exclude=position.id, until=end)
            if seat is None:
                break
            position_id, index = seat
            self._taken_from[position_id][index] = start
            posts.append((position_id, start, end))
            end = start - dt.timedelta(days=1)
        return posts[::-1]

    def _free_seat(
        self, rng: random.Random, pool: list[int], *, exclude: int, until: dt.date
    ) -> tuple[int, int] | None:
        for _ in range(6):
            position_id = rng.choice(pool)
            if position_id == exclude:
                continue
            seats = self._taken_from[position_id]
            latest = max(seats)
            if latest > until:
                return position_id, seats.index(latest)
        return None

    def _first_free_seat(self, pool: list[int], *, exclude: int, until: dt.date) -> tuple[int, int] | None:
        """A demo persona's history must reach back to their appointment (the experience guards read it):
        where six random draws found no seat, look at every seat of the pool in order."""
        for position_id in pool:
            seats = self._taken_from[position_id]
            latest = max(seats)
            if position_id != exclude and latest > until:
                return position_id, seats.index(latest)
        return None


def _pool_key(position_type: str, title: str) -> str:
    return f"{position_type}:{title}"
