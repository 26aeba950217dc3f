"""The demo personas as stable handles: which post each one holds and which role it is granted.

A handle names a seat, not a person: "the holder of KEL-GAMBIR-01's head post", "the first holder (by
employee id) of a PELAKSANA post in KEC-GAMBIR". Both sizes contain these units, and the generator
gives these seats clean careers (PNS, Baik or better, at least 20 training hours, no sanction, two to
four years in post, not near retirement), so workflows can run on them without tripping a guard.

The chain ``employee -> unit_head -> superior`` follows the position tree: the employee works in
KEL-GAMBIR-01, whose Lurah (``unit_head``) is their direct supervisor, and the Camat of Gambir
(``superior``) is the Lurah's supervisor. ``target_head`` heads KEL-GAMBIR-02, which keeps a vacant
seat in ``TRANSFER_TARGET_POSITION``, the same job the employee holds: a ready-made transfer.

BKD verifiers and officials, board members, the PyB, the PPK and auditors are granted province-wide
(``grant_unit`` None): they act on requests from every unit, while a grant in the BKD unit would,
by the subtree rule, cover only the agency itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

HEAD = "head"


@dataclass(frozen=True)
class PersonaHandle:
    key: str
    role: str
    grant_unit: str | None  # unit code of the role grant; None = province-wide
    seat_unit: str | None = None  # unit whose post the persona holds; None = no employee record
    seat: str | None = None  # HEAD, or a staff position type whose first holder is the persona
    user_id: str | None = None  # fixed user id of a persona without an employee record
    name: str | None = None
    granted_from: dt.date | None = None  # for fixed personas; civil servants: their post's start


PERSONAS: tuple[PersonaHandle, ...] = (
    PersonaHandle("employee", "employee", "KEL-GAMBIR-01", "KEL-GAMBIR-01", "PELAKSANA"),
    PersonaHandle("unit_head", "unit_head", "KEL-GAMBIR-01", "KEL-GAMBIR-01", HEAD),
    PersonaHandle("target_head", "unit_head", "KEL-GAMBIR-02", "KEL-GAMBIR-02", HEAD),
    PersonaHandle("superior", "unit_head", "KEC-GAMBIR", "KEC-GAMBIR", HEAD),
    PersonaHandle("unit_hr", "unit_hr", "KEC-GAMBIR", "KEC-GAMBIR", "PELAKSANA"),
    PersonaHandle("bkd_verifier", "bkd_verifier", None, "BKD-MUTASI", "FUNGSIONAL"),
    PersonaHandle("bkd_official", "bkd_official", None, "BKD-MUTASI", HEAD),
    PersonaHandle("board_member", "board_member", None, "BKD", HEAD),
    PersonaHandle("board_member_2", "board_member", None, "INSPEKTORAT", HEAD),
    PersonaHandle("pyb", "pyb", None, "SETDA", HEAD),
    PersonaHandle(
        "ppk",
        "ppk",
        None,
        user_id="gubernur",
        name="Gubernur Provinsi DKI Jakarta",
        granted_from=dt.date(2025, 2, 20),
    ),
    PersonaHandle("auditor", "auditor", None, "INSPEKTORAT", "FUNGSIONAL"),
    PersonaHandle(
        "admin", "admin", None, user_id="admin", name="Administrator Sistem", granted_from=dt.date(2025, 1, 1)
    ),
)
PERSONA_BY_KEY: dict[str, PersonaHandle] = {p.key: p for p in PERSONAS}

# A vacant seat of the employee persona's own job in the target head's unit.
EMPLOYEE_POSITION = "KEL-GAMBIR-01-PLK1"
TRANSFER_TARGET_POSITION = "KEL-GAMBIR-02-PLK1"


def persona_seats() -> dict[str, set[str]]:
    """Unit code -> seats (HEAD or a staff type) that a persona holds there."""
    seats: dict[str, set[str]] = {}
    for p in PERSONAS:
        if p.seat_unit and p.seat:
            seats.setdefault(p.seat_unit, set()).add(p.seat)
    return seats
