"""No bypass through a neighbouring workflow: a placement moves nobody out of another unit.

Moving a civil servant out of their unit is a transfer (*mutasi*, PP 11/2017 jo. PP 17/2020), whose
controls a placement does not have: the origin head's release, 2 years in post (or an exception with its
reason), and no conflict of interest. Rather than copy those controls into the placement workflow (two
routes to the same move, which would drift apart), a placement of someone who, on the day before its
effective date, holds a post in another branch of the unit tree is refused, and the sentence points to
``proposeTransfer``. A move within one line of the tree (the same unit, a sub-unit of it, or a unit above
it: a head's authority covers the sub-units, DOMAIN.md) stays a placement, and so does placing someone who
holds no post (a new appointee).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflows import facts
from workflows.context import StepContext
from workflows.guards import GuardResult, _result, guard

RULE = "placement.within_unit"
NAME = "placement_within_unit"


def _reads(ctx: StepContext) -> list[facts.Question[Any]]:
    target = [facts.UnitOf(ctx.position.unit_id)] if ctx.position is not None else []
    return [facts.HistoryOf(ctx.subject.id), *target]


def _one_line(a: str, b: str) -> bool:
    """Whether one unit lies in the other's subtree (materialised paths: a subtree is a prefix)."""
    return a.startswith(b) or b.startswith(a)


@guard(NAME, RULE, reads=_reads)
async def placement_within_unit(ctx: StepContext) -> GuardResult:
    rule = ctx.rule(RULE)
    target = ctx.position
    day = ctx.on - dt.timedelta(days=1)
    current = facts.stint_on(await ctx.history(), day)
    if target is None or current is None:
        return _result(ctx, NAME, rule.name, True, "placing someone who holds no post")
    unit = await ctx.fact(facts.UnitOf(target.unit_id))
    here, there = current.unit_path or "", unit.path if unit else ""
    if _one_line(here, there):
        return _result(ctx, NAME, rule.name, True, f"a move within {current.unit_code}'s line of the unit tree")
    message = (
        f"{ctx.subject.name} holds a post in {current.unit_code} on {day}, and {target.code} is in "
        f"{unit.code if unit else 'another unit'}: moving someone out of their unit is a transfer; propose it with "
        "proposeTransfer (the origin unit head releases, 2 years in post or an exception reason, no conflict "
        "of interest)"
    )
    return _result(ctx, NAME, rule.name, False, message)
