"""Look ahead at the selected fields and fetch a whole page's nested data at the root.

Resolving nested fields one by one through async DataLoaders measured 7 % of a bare endpoint's
throughput on this stack; fetching at the root and handing graphql-core plain objects measured 17 %
(issue 2). So each root resolver calls ``Prefetch`` with its selection: per selected field it runs
one batched statement for all objects of the level, then recurses into the children. The number of
statements depends on the shape of the query, never on the page size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from policies import read
from policies.read import CARD, FILE
from schema.context import Context, Info
from schema.errors import PublicError
from schema.types.registry import (
    ALIKE_FIELDS,
    Assignment,
    Employee,
    EvaluationResult,
    Position,
    Rank,
    RankStep,
    Unit,
)
from server import models
from server.registry import queries as q


def selected(selections: Iterable[Selection]) -> dict[str, list[SelectedField]]:
    """Fields by name, with fragments flattened (the same field may be selected several times)."""
    out: dict[str, list[SelectedField]] = defaultdict(list)
    stack = list(selections)
    while stack:
        sel = stack.pop(0)
        if isinstance(sel, SelectedField):
            out[sel.name].append(sel)
        elif isinstance(sel, FragmentSpread | InlineFragment):
            stack[:0] = sel.selections
    return out


def root_selection(info: Info) -> list[Selection]:
    """What the client selected under the field being resolved (fragments not yet flattened)."""
    return [s for f in info.selected_fields for s in f.selections]


def children(fields: Sequence[SelectedField]) -> list[Selection]:
    return [s for f in fields for s in f.selections]


def child(selections: Iterable[Selection], name: str) -> list[Selection]:
    """The sub-selection under ``name`` (e.g. ``edges`` then ``node`` of a connection)."""
    return children(selected(selections).get(name, []))


@dataclass(frozen=True)
class ListAsked:
    """What a query asks of a list (a connection): the selection under ``edges { node }``, and ``totalCount``?"""

    nodes: list[Selection]
    total: bool

    @classmethod
    def of(cls, info: Info) -> ListAsked:
        root = root_selection(info)
        return cls(child(child(root, "edges"), "node"), "totalCount" in selected(root))


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


class Prefetch:
    """Fills the private fields of registry objects for one request, level by level."""

    def __init__(self, session: AsyncSession, ctx: Context) -> None:
        self.session = session
        self.ctx = ctx

    # The rows each level is made of. The compiled read path (schema/plan/rows.py) overrides these three
    # to read column subsets as Core rows; graphql-core's path reads ORM entities, its reference.

    async def unit_objects(self, ids: Iterable[int]) -> dict[int, Unit]:
        return {i: Unit.of(r) for i, r in (await q.units_by_id(self.session, ids)).items()}

    async def position_objects(self, ids: Iterable[int]) -> dict[int, Position]:
        return {i: Position.of(r) for i, r in (await q.positions_by_id(self.session, ids)).items()}

    async def employee_rows(self, ids: Iterable[int], *, card_only: bool) -> Mapping[int, models.Employee]:
        """People by id; ``card_only``: the caller builds cards only (``Employee.card_of``)."""
        return await q.employees_by_id(self.session, ids)

    async def holder_counts(self, position_ids: Sequence[int]) -> dict[int, int]:
        return await q.holder_counts(self.session, position_ids, self.ctx.today)

    async def holder_rows(
        self, position_ids: Sequence[int], day: dt.date, known: Mapping[int, Any], *, card_only: bool
    ) -> tuple[dict[int, list[int]], Mapping[int, Any]]:
        """Visible definitive holders' ids per position on ``day``, and the rows of those not in ``known``."""
        by_position = await q.holder_ids(self.session, position_ids, day, self.ctx.people_visible)
        people = {e for es in by_position.values() for e in es}
        return by_position, await self.employee_rows(people - known.keys(), card_only=card_only)

    async def units(self, objs: Sequence[Unit], selections: Iterable[Selection]) -> None:
        fields = selected(selections)
        if objs and "parent" in fields:
            parents = await self.unit_objects([o.parent_id for o in objs if o.parent_id is not None])
            for o in objs:
                o.parent_obj = parents.get(o.parent_id) if o.parent_id is not None else None
            await self.units(list(parents.values()), children(fields["parent"]))

    async def positions(self, objs: Sequence[Position], selections: Iterable[Selection]) -> None:
        fields = selected(selections)
        if not objs:
            return
        ids = [o.id_ for o in objs]
        if "unit" in fields:
            units = await self.unit_objects([o.unit_id for o in objs])
            for o in objs:
                o.unit_obj = units[o.unit_id]
            await self.units(list(units.values()), children(fields["unit"]))
        if "vacancies" in fields:
            counts = await self.holder_counts(ids)
            for o in objs:
                o.vacancies = max(o.quota - counts.get(o.id_, 0), 0)
        if "holders" in fields:
            await self._holders(objs, fields["holders"])

    async def _positions_by_id(self, ids: Iterable[int], selections: list[Selection]) -> dict[int, Position]:
        positions = await self.position_objects(ids)
        await self.positions(list(positions.values()), selections)
        return positions

    async def _holders(self, objs: Sequence[Position], holder_fields: Sequence[SelectedField]) -> None:
        """Holders on each asked day: the file where the read rule allows it, else a card naming this position.

        Which positions list holders at all is the registry scope of the position's unit (as before); who
        among them comes as a file is ``policies.read``: one statement per asked day for the whole page.
        """
        wanted = selected(children(holder_fields))
        decide = bool(wanted.keys() - ALIKE_FIELDS)
        rows: dict[int, Any] = {}
        files: dict[int, Employee] = {}
        cards: list[Employee] = []
        ids = [o.id_ for o in objs]
        for as_of in {_day(f.arguments.get("asOf")) for f in holder_fields}:
            day = as_of or self.ctx.today
            by_position, found = await self.holder_rows(ids, day, rows, card_only=not decide)
            rows.update(found)
            people = {e for es in by_position.values() for e in es}
            readable = (
                await read.readable_files(self.session, self.ctx.viewer, self.ctx.today, people) if decide else ()
            )
            for o in objs:
                holders: list[Employee] = []
                for e in by_position.get(o.id_, []):
                    if e in readable:
                        holders.append(files.setdefault(e, Employee.file_of(rows[e])))
                    else:
                        card = Employee.card_of(rows[e], position_id=o.id_, unit_id=o.unit_id, day=day)
                        cards.append(card)
                        holders.append(card)
                o.holders_by_day[as_of] = holders
        await self.employees([*files.values(), *cards], children(holder_fields))

    async def employees(self, objs: Sequence[Employee], selections: Iterable[Selection]) -> None:
        """Settle file or card for each person (the read rule), then fetch what the selection asks of each."""
        fields = selected(selections)
        if not objs:
            return
        unsettled = [o for o in objs if not o.settled]
        if unsettled and fields.keys() - ALIKE_FIELDS:
            readable = await read.readable_files(
                self.session, self.ctx.viewer, self.ctx.today, [o.id_ for o in unsettled]
            )
            for o in unsettled:
                o.access, o.settled = (FILE, True) if o.id_ in readable else (CARD, True)
        for o in objs:
            if o.access != FILE:
                o.facts = None
        await self._cards([o for o in objs if o.access != FILE], fields)
        await self._files([o for o in objs if o.access == FILE], fields)

    async def _cards(self, objs: Sequence[Employee], fields: dict[str, list[SelectedField]]) -> None:
        """A card's position and unit: only the position that led there, and only for the day it led there."""
        led = [o for o in objs if o.lead_position_id is not None]
        if not led:
            return
        if "position" in fields:
            positions = await self._positions_by_id(
                {o.lead_position_id for o in led if o.lead_position_id is not None}, children(fields["position"])
            )
            for as_of in {_day(f.arguments.get("asOf")) for f in fields["position"]}:
                day = as_of or self.ctx.today
                for o in led:
                    lead = positions.get(o.lead_position_id) if o.lead_position_id is not None else None
                    o.position_by_day[as_of] = lead if o.lead_day == day else None
        if "unit" in fields:
            today = [o for o in led if o.lead_day == self.ctx.today and o.lead_unit_id is not None]
            units = await self.unit_objects([o.lead_unit_id for o in today if o.lead_unit_id is not None])
            for o in today:
                o.unit_obj = units.get(o.lead_unit_id) if o.lead_unit_id is not None else None
            await self.units(list(units.values()), children(fields["unit"]))

    async def _files(self, objs: Sequence[Employee], fields: dict[str, list[SelectedField]]) -> None:
        if not objs:
            return
        ids = [o.id_ for o in objs]
        if "position" in fields:
            for as_of in {_day(f.arguments.get("asOf")) for f in fields["position"]}:
                posts = await q.posts_on(self.session, ids, as_of or self.ctx.today)
                positions = await self._positions_by_id(posts.values(), children(fields["position"]))
                for o in objs:
                    post = posts.get(o.id_)
                    o.position_by_day[as_of] = positions[post] if post is not None else None
        if "unit" in fields:
            posts = await q.posts_on(self.session, ids, self.ctx.today)
            position_rows = await self.position_objects(posts.values())
            units = await self.unit_objects([p.unit_id for p in position_rows.values()])
            for o in objs:
                post = posts.get(o.id_)
                o.unit_obj = units[position_rows[post].unit_id] if post is not None else None
            await self.units(list(units.values()), children(fields["unit"]))
        if "assignments" in fields:
            history = await q.assignments_of(self.session, ids)
            for o in objs:
                o.assignment_list = [Assignment.of(a) for a in history.get(o.id_, [])]
            position_sel = child(children(fields["assignments"]), "position")
            if "position" in selected(children(fields["assignments"])):
                all_assignments = [a for o in objs for a in o.assignment_list]
                positions = await self._positions_by_id({a.position_id for a in all_assignments}, position_sel)
                for a in all_assignments:
                    a.position_obj = positions[a.position_id]
        if "evaluations" in fields:
            results = await q.evaluations_of(self.session, ids)
            for o in objs:
                o.evaluation_list = [
                    EvaluationResult(year=r.year, predicate=r.predicate) for r in results.get(o.id_, [])
                ]
        if "rankHistory" in fields:
            ranks = await q.rank_history_of(self.session, ids)
            for o in objs:
                o.rank_steps = [
                    RankStep(rank=Rank.of(r.rank_code), tmt=r.tmt, decree_no=r.decree_no) for r in ranks.get(o.id_, [])
                ]
        if "trainingHours" in fields:
            for year in {int(f.arguments["year"]) for f in fields["trainingHours"]}:
                if not 1900 <= year <= 2200:
                    raise PublicError(f"trainingHours(year: {year}): give a calendar year such as 2025")
                hours = await q.training_hours(self.session, ids, year)
                for o in objs:
                    o.hours_by_year[year] = hours.get(o.id_, 0)
