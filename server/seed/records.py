"""Yearly records that guards read: evaluation predicates, training hours and disciplinary sanctions.

Evaluations cover the last three finished calendar years, mostly *Baik*; training covers last year
and this one, three in four people reaching the 20 JP a year; a handful of people carry a sanction,
half still active on the reference date and half expired.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

from server.seed.calendar import REFERENCE_DATE, add_months
from server.seed.careers import DecreeNumbers
from server.seed.people import Person

EVALUATION_YEARS = tuple(range(REFERENCE_DATE.year - 3, REFERENCE_DATE.year))
TRAINING_YEARS = (REFERENCE_DATE.year - 1, REFERENCE_DATE.year)
MIN_TRAINING_HOURS = 20  # JP a year (DOMAIN.md, competency development)
SANCTION_RATE = 0.004
_PREDICATES = (("Baik", 78.0), ("Sangat Baik", 17.0), ("Butuh Perbaikan", 3.0), ("Kurang", 1.5), ("Sangat Kurang", 0.5))
_SEVERITY = (("light", 50), ("moderate", 35), ("heavy", 15))
_SANCTION_MONTHS = {"light": (6,), "moderate": (6, 9, 12), "heavy": (12,)}
_COURSES = (
    ("Pelatihan Kepemimpinan Pengawas", "kepemimpinan"),
    ("Pelatihan Pelayanan Publik Prima", "pelayanan publik"),
    ("Bimbingan Teknis Sistem Informasi Kepegawaian", "manajemen ASN"),
    ("Pelatihan Pengadaan Barang dan Jasa", "pengadaan"),
    ("Webinar Integritas dan Antikorupsi", "integritas"),
    ("Pelatihan Penyusunan SKP", "manajemen kinerja"),
    ("Bimbingan Teknis Penatausahaan Keuangan", "keuangan daerah"),
    ("Pelatihan Literasi Digital", "literasi digital"),
    ("Pelatihan Manajemen Arsip", "kearsipan"),
    ("Kursus Bahasa Inggris Pelayanan", "komunikasi"),
)


def evaluations(rng: random.Random, person: Person) -> list[tuple[int, str]]:
    predicates = [p for p, _ in _PREDICATES]
    weights = [w for _, w in _PREDICATES[:2]] if person.clean else [w for _, w in _PREDICATES]
    return [
        (year, rng.choices(predicates[: len(weights)], weights=weights)[0])
        for year in EVALUATION_YEARS
        if person.appointed.year <= year
    ]


def trainings(rng: random.Random, person: Person) -> list[tuple[str, str, int, dt.date, bool]]:
    """(title, competency, hours, date, verified) rows; some years deliberately short of 20 JP."""
    rows: list[tuple[str, str, int, dt.date, bool]] = []
    for year in TRAINING_YEARS:
        if person.appointed.year > year:
            continue
        enough = person.clean or rng.random() < 0.75
        total = rng.randint(MIN_TRAINING_HOURS, 56) if enough else rng.randint(0, MIN_TRAINING_HOURS - 1)
        parts = 1 if total < 8 else rng.randint(1, 3)
        last_day = REFERENCE_DATE - dt.timedelta(days=1) if year == REFERENCE_DATE.year else dt.date(year, 12, 31)
        span = (last_day - dt.date(year, 1, 1)).days
        for i, hours in enumerate(_split(rng, total, parts)):
            title, competency = rng.choice(_COURSES)
            day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, span))
            rows.append((title, competency, hours, day, person.clean or i > 0 or rng.random() < 0.95))
    return rows


def sanctioned(rng: random.Random, people: list[Person]) -> dict[int, bool]:
    """Who carries a sanction (person id -> still active?): a handful, half active and half expired."""
    candidates = [p for p in people if p.employment_type == "PNS" and not p.clean]
    count = min(len(candidates), max(6, round(len(people) * SANCTION_RATE)))
    chosen = sorted(rng.sample(candidates, count), key=lambda p: p.id)
    return {person.id: i % 2 == 0 for i, person in enumerate(chosen)}


def sanction(
    rng: random.Random, person: Person, decrees: DecreeNumbers, *, active: bool
) -> tuple[str, dt.date, dt.date, str]:
    """(severity, start, end, decree): an active one began within the last five months and lasts six or more."""
    severity = rng.choices([s for s, _ in _SEVERITY], weights=[w for _, w in _SEVERITY])[0]
    ago = rng.randint(0, 5) if active else rng.randint(14, 36)
    start = max(person.appointed, add_months(REFERENCE_DATE, -ago))
    end = add_months(start, rng.choice(_SANCTION_MONTHS[severity])) - dt.timedelta(days=1)
    return severity, start, end, decrees.next("862", start)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    if total == 0:
        return []
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    return [b - a for a, b in itertools.pairwise([0, *cuts, total])]
