"""Root field of the rank-promotion eligibility list (workflow 3: "candidates come from an automatic list per period").

Who sees what: only viewers who may propose rank promotions (the policy's ``rank_promotion, propose``
lines: unit HR in their unit's subtree, BKD officials province-wide) see candidates, and only people they
may also read (the registry scope), by the unit of each person's post today. Everyone else gets an empty
list, not FORBIDDEN: like every other list, a read outside the viewer's scope answers as if nothing were
there. The viewer is never listed themself (nobody proposes their own promotion).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import strawberry
from strawberry.scalars import JSON

from policies.scope import registry_scope
from schema.connection import Connection, after_nip, connection, page_size, unit_named
from schema.context import Info
from schema.errors import PublicError
from schema.prefetch import Prefetch, child, root_selection, selected
from schema.types.registry import Employee, Rank
from server.paging import Page, encode_cursor
from workflows import eligibility


@strawberry.type(description="An employee who meets every regular rank-promotion rule on the period date.")
class RankPromotionCandidate:
    employee: Employee
    current_rank: Rank | None
    next_rank: Rank | None
    years_in_rank: float = strawberry.field(description="Years in the current rank on the period date.")
    rule_versions: JSON = strawberry.field(description="The rule versions that judged the candidate, by rule name.")
    rank_since: dt.date | None


@strawberry.type
class EligibilityQuery:
    @strawberry.field(
        description="PNS employees who meet every regular rank-promotion rule on `period` (a promotion period "
        "under the rule in force on it) and have no unfinished rank-promotion request, in NIP order. "
        "Only viewers who may propose rank promotions see candidates, within their units; others get none."
    )
    async def rank_promotion_candidates(
        self,
        info: Info,
        period: dt.date,
        unit_code: str | None = None,
        include_subunits: bool | None = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RankPromotionCandidate]:
        ctx = info.context
        size = page_size(first, ctx.settings)
        start = after_nip(after)
        try:
            eligibility.check_period(period)
        except eligibility.NotAPromotionPeriod as exc:
            raise PublicError(f"period: {exc}") from None
        proposer = eligibility.proposer_scope(ctx.viewer)
        wants_total = "totalCount" in selected(root_selection(info))
        if proposer.nothing:
            empty: Page[object] = Page([], False, [])
            return connection([], empty, total=0 if wants_total else -1, after=after)
        visible = eligibility.candidate_visibility(proposer, registry_scope(ctx.viewer))
        async with ctx.db.read() as s:
            unit = await unit_named(s, unit_code)
            subunits = include_subunits is not False
            try:
                found, has_next = await eligibility.rank_promotion_candidates(
                    s,
                    period=period,
                    today=ctx.today,
                    visible=visible,
                    unit=unit,
                    include_subunits=subunits,
                    exclude_employee_id=ctx.viewer.employee_id,
                    first=size,
                    after_nip=start,
                )
                total = (
                    await eligibility.count_rank_promotion_candidates(
                        s,
                        period=period,
                        today=ctx.today,
                        visible=visible,
                        unit=unit,
                        include_subunits=subunits,
                        exclude_employee_id=ctx.viewer.employee_id,
                    )
                    if wants_total
                    else -1
                )
            except eligibility.EligibilityError as exc:
                raise PublicError(str(exc)) from None
            nodes = [
                RankPromotionCandidate(
                    employee=Employee.of(c.employee),
                    current_rank=Rank.of(c.current_rank),
                    next_rank=Rank.of(c.next_rank),
                    years_in_rank=c.years_in_rank,
                    rule_versions=cast(JSON, c.rule_versions),
                    rank_since=c.rank_since,
                )
                for c in found
            ]
            employee_sel = child(child(child(root_selection(info), "edges"), "node"), "employee")
            await Prefetch(s, ctx).employees([n.employee for n in nodes], employee_sel)
        page: Page[object] = Page(list(found), has_next, [encode_cursor(c.nip) for c in found])
        return connection(nodes, page, total=total, after=after)
