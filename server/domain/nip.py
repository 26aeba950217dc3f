"""The 18-digit civil-servant number (NIP): ``YYYYMMDD YYYYMM G NNN``.

Birth date, year and month of first appointment (TMT CPNS), gender digit (1 male, 2 female) and a
sequence from 001. ``parse`` checks the number's form on its own; ``check_plausible`` checks the life it
describes (appointed at a plausible age, not in the future: the ``identity.first_appointment`` rule
gives the age); ``check_against`` checks it agrees with the record. Each failure is a sentence naming
the value and what is wrong with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class NipError(ValueError):
    """The NIP is malformed or disagrees with the record; ``str(err)`` is the sentence to show."""


@dataclass(frozen=True)
class Nip:
    value: str
    birth_date: dt.date
    appointed: tuple[int, int]
    gender: str
    sequence: int

    def display(self) -> str:
        return format_nip(self.value)

    @property
    def first_appointment(self) -> dt.date:
        """The first of the month of the first appointment (TMT CPNS): the NIP carries no day."""
        return dt.date(self.appointed[0], self.appointed[1], 1)


def normalize(raw: str) -> str:
    """Drop the display spaces: ``"19860926 201505 1 001"`` -> ``"198609262015051001"``."""
    return "".join(raw.split())


def format_nip(nip: str) -> str:
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


def parse(raw: str) -> Nip:
    nip = normalize(raw)
    if not (nip.isascii() and nip.isdigit()) or len(nip) != 18:
        raise NipError(f"NIP {raw!r} must be 18 digits (YYYYMMDD YYYYMM G NNN), got {len(nip)} characters")
    try:
        birth = dt.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise NipError(f"NIP {format_nip(nip)} starts with {nip[0:8]}, which is not a real birth date") from None
    year, month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= month <= 12:
        raise NipError(f"NIP {format_nip(nip)} gives appointment month {nip[12:14]}, which is not a month")
    gender_digit = nip[14]
    if gender_digit not in "12":
        raise NipError(f"NIP {format_nip(nip)} has gender digit {gender_digit}; it must be 1 (male) or 2 (female)")
    sequence = int(nip[15:18])
    if sequence == 0:
        raise NipError(f"NIP {format_nip(nip)} has sequence 000; sequences start at 001")
    return Nip(nip, birth, (year, month), "M" if gender_digit == "1" else "F", sequence)


def check_plausible(nip: Nip, *, today: dt.date, min_age: int) -> None:
    """Refuse a first appointment in the future or before the appointee was ``min_age`` years old.

    The NIP gives only the appointment's month, so it counts from the first of that month: someone born
    on 15 March 2000 may be appointed from March 2018 (the month they turn 18), not from February.
    """
    year, month = nip.appointed
    if (year, month) > (today.year, today.month):
        raise NipError(
            f"NIP {nip.display()} gives first appointment {year}-{month:02d}, which is after today "
            f"({today.isoformat()}); check the digits 9-14 (YYYYMM of the TMT CPNS)"
        )
    if (year, month) < (nip.birth_date.year + min_age, nip.birth_date.month):
        raise NipError(
            f"NIP {nip.display()} gives first appointment {year}-{month:02d}, less than {min_age} years after "
            f"the birth date {nip.birth_date.isoformat()}; check the digits 9-14 (YYYYMM of the TMT CPNS)"
        )


def check_against(nip: Nip, *, birth_date: dt.date, gender: str) -> None:
    """Refuse a NIP that disagrees with the stored birth date or gender."""
    if nip.birth_date != birth_date:
        raise NipError(
            f"NIP {nip.display()} says born {nip.birth_date.isoformat()}, the record says {birth_date.isoformat()}"
        )
    if nip.gender != gender:
        raise NipError(f"NIP {nip.display()} has gender digit for {nip.gender}, the record says {gender}")


def make(birth_date: dt.date, appointed: tuple[int, int], gender: str, sequence: int) -> str:
    """Compose a NIP (used by the seed data generator and test factories)."""
    return f"{birth_date:%Y%m%d}{appointed[0]:04d}{appointed[1]:02d}{'1' if gender == 'M' else '2'}{sequence:03d}"
