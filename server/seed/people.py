"""Employees who fit their posts: rank and education within the caps, age and NIP consistent with both.

A holder's (rank, education) pair is drawn among the pairs the post's rank range allows, weighted by
how common each education is, so every rank lies inside its education's cap. Age follows from the
rank: reaching it from the education's starting rank takes four years a step, so young people hold
starting ranks and group IV is middle-aged. The NIP is composed from the birth date, the first
appointment (TMT CPNS) and the gender, with a sequence that keeps it unique.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
from dataclasses import dataclass

from server.domain import nip
from server.domain.education import EDUCATION_RANK_RANGE, education_at_least
from server.domain.ranks import RANK_CODES, group, rank_index
from server.seed.calendar import REFERENCE_DATE, add_months, add_years
from server.seed.jobs import Job
from server.seed.names import person_name

PPPK_SHARE = 0.205  # of staff posts; heads are always PNS, so the province lands near 20 %
RETIREMENT_AGE_MAX_SEEDED = 57  # DOMAIN.md: the earliest retirement age is 58
_EDUCATION_WEIGHT = {
    "SD": 1.0, "SLTP": 1.0, "SLTA": 6.0, "D-I": 0.2, "D-II": 0.2,
    "D-III": 3.0, "D-IV": 1.0, "S1": 8.0, "S2": 3.0, "S3": 0.15,
}  # fmt: skip
_FIRST_APPOINTMENT_AGE = {
    "SD": 18, "SLTP": 18, "SLTA": 19, "D-I": 20, "D-II": 20,
    "D-III": 21, "D-IV": 22, "S1": 22, "S2": 25, "S3": 28,
}  # fmt: skip
_MIN_SERVICE_YEARS = {"JPT_MADYA": 20, "JPT_PRATAMA": 15, "ADMINISTRATOR": 8, "PENGAWAS": 4}
_AGE_BANDS = ((20, 29, 12), (30, 39, 25), (40, 49, 30), (50, 55, 25), (56, 57, 8))  # (from, to, weight)
_PPPK_FIRST = dt.date(2019, 3, 1)  # the first PPPK intake
_PPPK_LAST = dt.date(2025, 10, 1)


@dataclass
class Person:
    id: int
    nip: str
    name: str
    birth_date: dt.date
    gender: str
    employment_type: str
    education: str
    rank_code: str | None
    start_rank: str | None
    appointed: dt.date  # TMT CPNS / PPPK, first of the month
    has_service_exam: bool
    position_id: int
    post_start: dt.date  # start of the current (open) assignment
    clean: bool  # a demo persona: no trap for the guards
    rank_since: dt.date | None = None

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "nip": self.nip,
            "name": self.name,
            "birth_date": self.birth_date,
            "gender": self.gender,
            "employment_type": self.employment_type,
            "education": self.education,
            "status": "active",
            "rank_code": self.rank_code,
            "rank_since": self.rank_since,
            "has_service_exam": self.has_service_exam,
        }


class NipSequences:
    """Hands out the 3-digit sequence per (birth date, appointment, gender), so NIPs never collide."""

    def __init__(self) -> None:
        self._used: dict[str, int] = {}

    def make(self, birth: dt.date, appointed: dt.date, gender: str) -> str:
        prefix = nip.make(birth, (appointed.year, appointed.month), gender, 1)[:15]
        self._used[prefix] = self._used.get(prefix, 0) + 1
        return nip.make(birth, (appointed.year, appointed.month), gender, self._used[prefix])


def make_person(
    rng: random.Random,
    person_id: int,
    job: Job,
    position_id: int,
    nips: NipSequences,
    *,
    clean: bool,
) -> Person:
    pppk = not clean and job.type in ("PELAKSANA", "FUNGSIONAL") and rng.random() < PPPK_SHARE
    rank, education = _rank_and_education(rng, job, clean=clean)
    gender = "F" if job.title.startswith("Bidan") else rng.choice("MF")
    start = EDUCATION_RANK_RANGE[education][0]
    steps = max(0, rank_index(rank) - rank_index(start))
    first_age = _FIRST_APPOINTMENT_AGE[education]
    service = max(4 * steps + (1 if steps else 0), _MIN_SERVICE_YEARS.get(job.type, 0)) + (5 if clean else 0)
    age = _age(rng, minimum=first_age + service, clean=clean)
    birth = add_years(REFERENCE_DATE, -age) - dt.timedelta(days=rng.randint(0, 364))
    if pppk:
        earliest = max(_PPPK_FIRST, add_months(add_years(birth, 18), 1))
        appointed = add_months(earliest, rng.randint(0, max(0, _months_between(earliest, _PPPK_LAST))))
    else:
        latest = add_months(add_years(REFERENCE_DATE, -service), 0)
        appointed = add_months(
            add_years(birth, rng.randint(first_age, max(first_age, age - service))), rng.randint(1, 11)
        )
        appointed = min(appointed, latest)
    return Person(
        id=person_id,
        nip=nips.make(birth, appointed, gender),
        name=person_name(rng, gender, education),
        birth_date=birth,
        gender=gender,
        employment_type="PPPK" if pppk else "PNS",
        education=education,
        rank_code=None if pppk else rank,
        start_rank=None if pppk else start,
        appointed=appointed,
        has_service_exam=not pppk
        and (clean or group(rank) != group(start) or (group(rank) != "I" and rng.random() < 0.3)),
        position_id=position_id,
        post_start=_post_start(rng, appointed, clean=clean),
        clean=clean,
    )


def _rank_and_education(rng: random.Random, job: Job, *, clean: bool) -> tuple[str, str]:
    pairs, weights = _pairs(job, clean)
    return rng.choices(pairs, cum_weights=weights)[0]


@functools.cache
def _pairs(job: Job, clean: bool) -> tuple[list[tuple[str, str]], list[float]]:
    """(rank, education) pairs the post allows within the cap, with cumulative weights by how common the
    education is; a persona gets a rank below its cap where the post allows, so it can still be promoted."""
    pairs: list[tuple[str, str]] = []
    weights: list[float] = []
    promotable: list[bool] = []
    for rank in RANK_CODES[rank_index(job.min_rank) : rank_index(job.max_rank) + 1]:
        for education, (low, cap) in EDUCATION_RANK_RANGE.items():
            within_cap = rank_index(low) <= rank_index(rank) <= rank_index(cap)
            if within_cap and education_at_least(education, job.min_education):
                pairs.append((rank, education))
                weights.append(_EDUCATION_WEIGHT[education])
                promotable.append(rank_index(rank) < rank_index(cap))
    if not pairs:
        raise ValueError(f"job {job.title or job.type!r} allows no rank within any education's cap")
    if clean and any(promotable):
        weights = [w if ok else 0.0 for w, ok in zip(weights, promotable, strict=True)]
    return pairs, list(itertools.accumulate(weights))


def _age(rng: random.Random, *, minimum: int, clean: bool) -> int:
    """An age from the province's profile, at least ``minimum`` (the rank needs the years)."""
    low = max(20, minimum)
    if clean:
        return rng.randint(max(low, 32), max(low, 50))
    for _ in range(20):
        band = rng.choices(_AGE_BANDS, weights=[w for *_, w in _AGE_BANDS])[0]
        age = rng.randint(band[0], band[1])
        if age >= low:
            return age
    return rng.randint(low, max(low, RETIREMENT_AGE_MAX_SEEDED))


def _post_start(rng: random.Random, appointed: dt.date, *, clean: bool) -> dt.date:
    """Months in the current post: a quarter under two years, 30 % five years or more (due for rotation)."""
    if clean:
        months = rng.randint(30, 48)
    else:
        roll = rng.random()
        months = rng.randint(1, 23) if roll < 0.25 else rng.randint(24, 59) if roll < 0.70 else rng.randint(60, 144)
    start = add_months(REFERENCE_DATE, -months)
    return appointed if _months_between(appointed, start) < 12 else start


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month
