"""What every command's text input must be, checked once at the write path's door (``run_command``).

Two classes of input reached the database and failed there instead of being answered: text holding a
NUL character (PostgreSQL refuses ``\\x00`` in text and in JSON; SQLite stores it and cuts it off in
some readers), and text longer than the VARCHAR column it lands in (PostgreSQL refuses it, SQLite keeps
it, so the two engines disagreed). Both are now refused before the transaction opens, as ``VALIDATION``
naming the field and the limit, for every command alike.

A field's limit is the length of the column it is stored in, read from the model (``STORED_IN``), so a
migration that widens a column widens the check with it. Text that goes to a column without a length
(comments, reasons) or is only looked up gets ``FREE_TEXT_LIMIT``. Step data (``act``'s ``data``) has
its own limits, declared per field in the definitions (``workflows.step_data``); here it is only checked
for NUL.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

from server.errors import UserError, validation
from server.models import (
    Assessment,
    DisciplinarySanction,
    EducationRecord,
    Employee,
    FamilyRelation,
    IdempotencyRecord,
    Position,
    RoleGrant,
    ServiceExamCertificate,
    TrainingRecord,
    Unit,
    UnitPerformance,
)

FREE_TEXT_LIMIT = 4000
"""Comments, reasons and other free text: long enough for a paragraph of justification, short of abuse."""

STORED_IN: Mapping[str, InstrumentedAttribute[Any]] = {
    "nip": Employee.nip,
    "employeeNip": Employee.nip,
    "relativeNip": Employee.nip,
    "name": Employee.name,
    "gender": Employee.gender,
    "employmentType": Employee.employment_type,
    "education": Employee.education,
    "rankCode": Employee.rank_code,
    "code": Position.code,
    "positionCode": Position.code,
    "targetPositionCode": Position.code,
    "title": Position.title,
    "type": Position.type,
    "minEducation": Position.min_education,
    "minRank": Position.min_rank,
    "maxRank": Position.max_rank,
    "unitCode": Unit.code,
    "predicate": UnitPerformance.predicate,
    "kind": FamilyRelation.kind,
    "userId": RoleGrant.user_id,
    "toUserId": RoleGrant.user_id,
    "role": RoleGrant.role,
    "acting": RoleGrant.acting,
    "certificateNo": ServiceExamCertificate.certificate_no,
    "group": ServiceExamCertificate.opens_group,
    "severity": DisciplinarySanction.severity,
    "decreeNo": DisciplinarySanction.decree_no,
    "potentialClass": Assessment.potential_class,
    "reportNo": Assessment.report_no,
    "level": EducationRecord.level,
    "evidence": EducationRecord.evidence,
}
"""The column each named input is stored in (or compared with); payload keys in snake_case match too."""

STORED_IN_BY_COMMAND: Mapping[str, Mapping[str, InstrumentedAttribute[Any]]] = {
    "proposeTraining": {"title": TrainingRecord.title},
    "endSanctionEarly": {"reason": DisciplinarySanction.ended_early_reason},
}
"""Where a command stores a field under a name another command uses for a different column."""


DECLARED_ELSEWHERE = frozenset({"data"})
"""``act``'s step data: each field's limit is declared in its definition and checked there (after the
authority check), so the refusal names the field's own limit rather than the free-text one."""


@functools.cache
def limit_of(command: str, field: str) -> int:
    """The longest text ``field`` of ``command`` accepts: its column's length, else the free-text limit
    (read from the models once per command and field: every command checks its input)."""
    name = _camel(field)
    column = STORED_IN_BY_COMMAND.get(command, {}).get(name) or STORED_IN.get(name)
    return _length(column) if column is not None else FREE_TEXT_LIMIT


def _length(column: InstrumentedAttribute[Any]) -> int:
    kind = column.type
    return int(kind.length) if isinstance(kind, String) and kind.length else FREE_TEXT_LIMIT


_KEY_LIMIT = _length(IdempotencyRecord.key)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str, bool]]:
    """Every text in ``value`` as (where, text, whether it is a key), nested objects and lists included."""
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key)
            yield f"{path}.{name}", name, True
            yield from _strings(item, f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def input_errors(command: str, payload: Mapping[str, Any], idempotency_key: str | None) -> list[UserError]:
    """Every NUL and every over-long text in a command's input, as sentences naming the field and the limit."""
    errors: list[UserError] = []
    inputs = {**{_camel(k): v for k, v in payload.items()}, "idempotencyKey": idempotency_key}
    for top, value in inputs.items():
        limit = _KEY_LIMIT if top == "idempotencyKey" else limit_of(command, top)
        for where, text, is_key in _strings(value, top):
            nul = text.find("\x00")
            if nul >= 0:
                what = "a key" if is_key else where
                errors.append(
                    validation(where, f"{what} contains a NUL character (\\x00) at position {nul}; remove it")
                )
            elif len(text) > limit and not is_key and top not in DECLARED_ELSEWHERE:
                errors.append(
                    validation(where, f"{where} is {len(text)} characters long, above the limit of {limit}; shorten it")
                )
    return errors
