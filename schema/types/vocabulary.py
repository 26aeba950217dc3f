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

from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, cast

import strawberry

from server.domain.positions import POSITION_TYPES
from server.domain.ranks import RANK_CODES


def _vocabulary(name: str, codes: Iterable[str], description: str) -> type[Enum]:
    """The domain's codes as a GraphQL enum: a member is named by its code in GraphQL's letters (III/a: III_A)."""
    members = {code.replace("/", "_").upper(): code for code in codes}
    return strawberry.enum(cast(type[Enum], Enum(name, members)), description=description)


if TYPE_CHECKING:

    class PositionType(Enum):
        """For the type checker: the members are ``server.domain.positions.POSITION_TYPES``."""

    class RankCode(Enum):
        """For the type checker: the members are ``server.domain.ranks.RANK_CODES``."""

else:
    PositionType = _vocabulary(
        "PositionType", POSITION_TYPES, "A position type (jenis jabatan), as `Position.type` spells it."
    )
    RankCode = _vocabulary(
        "RankCode", RANK_CODES, 'A civil-service rank (pangkat/golongan); `III_A` is `Rank.code` "III/a".'
    )
