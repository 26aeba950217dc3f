"""``facts_many.answer_many`` (a page's questions, one reader per kind) answers exactly as ``facts.answer`` (a
step's questions in one UNION) does: the preview of ``availableActions`` and the step read the same facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import assign, sanction
from tests.workflows.factories import World
from workflows import facts, facts_many


async def test_the_batched_readers_give_the_steps_answers(world: World) -> None:
    budi, sari, p = world.people["budi"], world.people["sari"], world.positions
    async with world.db.write() as s:
        await sanction(s, budi, "moderate", dt.date(2026, 1, 1), dt.date(2026, 6, 30))
        await sanction(s, budi, "heavy", dt.date(2020, 1, 1), dt.date(2020, 12, 31))
        await assign(s, sari, p["STAFF_B"], dt.date(2015, 1, 1), dt.date(2025, 5, 31))
    questions: list[facts.Question[Any]] = [
        facts.SlotOf(p["STAFF_A"].id, dt.date(2026, 3, 1), None),
        facts.SlotOf(p["STAFF_B"].id, dt.date(2020, 3, 1), None),  # another date: sari held it then
        facts.SlotOf(p["KASI_A"].id, dt.date(2026, 3, 1), 12345),
        facts.HistoryOf(sari.id),
        facts.HistoryOf(budi.id),
        facts.UnitOf(p["STAFF_B"].unit_id),
        facts.PredicatesOf(budi.id, (2024, 2025)),
        facts.PredicatesOf(sari.id, (2025, 2026)),
        facts.SanctionsOf(budi.id, dt.date(2026, 2, 2), dt.date(2026, 3, 1), ("moderate", "heavy")),
        facts.SanctionsOf(budi.id, dt.date(2021, 1, 1), dt.date(2021, 3, 1), ("moderate", "heavy")),
    ]
    async with world.db.read() as s:
        one_by_one = {q: await facts.ask(s, q) for q in questions}
        batched = await facts_many.answer_many(s, questions)
    for question in questions:
        assert batched[question] == one_by_one[question], question
    assert one_by_one[questions[1]].holders == [sari.id]
    assert one_by_one[questions[8]] and not one_by_one[questions[9]]
