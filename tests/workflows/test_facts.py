"""``facts.answer``: several questions, of one kind or of several, answered by one statement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.statements_seen import watching
from tests.factories import assign, sanction
from tests.workflows.factories import World
from workflows import facts

ON = dt.date(2026, 3, 1)


async def test_every_kind_of_question_in_one_statement(world: World) -> None:
    budi, sari, p = world.people["budi"], world.people["sari"], world.positions
    async with world.db.write() as s:
        await sanction(s, budi, "moderate", dt.date(2026, 1, 1), dt.date(2026, 6, 30))
        await sanction(s, budi, "light", dt.date(2026, 1, 1))
        await sanction(s, budi, "heavy", dt.date(2020, 1, 1), dt.date(2020, 12, 31))  # over before the window
        await assign(s, sari, p["STAFF_B"], dt.date(2015, 1, 1), dt.date(2025, 5, 31))
    questions: list[facts.Question[Any]] = [
        facts.SlotOf(p["STAFF_A"].id, ON, None),
        facts.SlotOf(p["KASI_A"].id, ON, 12345),  # two of one kind: their parameters must not mix
        facts.HistoryOf(sari.id),
        facts.PredicatesOf(budi.id, (2024, 2025, 2026)),
        facts.SanctionsOf(budi.id, dt.date(2026, 2, 2), ON, ("moderate", "heavy")),
        facts.SanctionsOf(sari.id, dt.date(2026, 2, 2), ON, ("moderate", "heavy")),
    ]
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    async with world.db.read() as s:
        with watching(world.db.engine.sync_engine, count):  # also what goes to the driver (server.driver)
            answers = await facts.answer(s, [*questions, questions[0]])  # asked twice, answered once
        alone = {q: await facts.ask(s, q) for q in questions}
    assert len([sql for sql in statements if not sql.startswith("BEGIN")]) == 1
    assert answers == alone
    assert sorted(answers[questions[0]].holders) == sorted([budi.id, sari.id])
    assert answers[questions[0]].pending == 0
    assert answers[questions[1]] == facts.Slot(holders=[], pending=0)
    assert [(h.position_id, h.start, h.end) for h in answers[questions[2]]] == [
        (p["STAFF_B"].id, dt.date(2015, 1, 1), dt.date(2025, 5, 31)),
        (p["STAFF_A"].id, dt.date(2025, 6, 1), None),
    ]
    assert answers[questions[3]] == {2024: "Baik", 2025: "Sangat Baik"}
    [running] = answers[questions[4]]
    assert (running.severity, running.start_date, running.end_date, running.decree_no) == (
        "moderate",
        dt.date(2026, 1, 1),
        dt.date(2026, 6, 30),
        "SK-1",
    )
    assert answers[questions[5]] == []
