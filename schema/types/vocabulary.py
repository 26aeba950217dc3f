"""Closed vocabularies offered as enums beside the strings the published contract already answers.

``Position.type`` and ``Rank.code`` stay ``String!`` (API.md; changing a field's type would break every
client that reads it), so each gains an enum-typed sibling (``Position.positionType``,
``Rank.rankCode``), and the filters an enum-typed input field (``PositionFilter.positionType``,
``EmployeeFilter.rankCode``): a client that wants the closed set gets it from introspection, and one
that sends strings keeps working. A GraphQL enum value cannot contain ``/``, so rank III/a is ``III_A``.
Workflow states and steps differ per definition version, so they stay strings (``WorkflowDefinition.states``
lists them).
"""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="A position type (jenis jabatan), as `Position.type` spells it.")
class PositionType(Enum):
    JPT_UTAMA = "JPT_UTAMA"
    JPT_MADYA = "JPT_MADYA"
    JPT_PRATAMA = "JPT_PRATAMA"
    ADMINISTRATOR = "ADMINISTRATOR"
    PENGAWAS = "PENGAWAS"
    PELAKSANA = "PELAKSANA"
    FUNGSIONAL = "FUNGSIONAL"


@strawberry.enum(description='A civil-service rank (pangkat/golongan); `III_A` is `Rank.code` "III/a".')
class RankCode(Enum):
    I_A = "I/a"
    I_B = "I/b"
    I_C = "I/c"
    I_D = "I/d"
    II_A = "II/a"
    II_B = "II/b"
    II_C = "II/c"
    II_D = "II/d"
    III_A = "III/a"
    III_B = "III/b"
    III_C = "III/c"
    III_D = "III/d"
    IV_A = "IV/a"
    IV_B = "IV/b"
    IV_C = "IV/c"
    IV_D = "IV/d"
    IV_E = "IV/e"
