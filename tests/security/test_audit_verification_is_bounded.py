"""``auditVerification`` in a web request hashes only the events after the last verified head (issue 11, item 6).

A log of millions of events must not be recomputed inside a request. Once a verification that holds
is recorded (by ``asnflow audit verify``, or by ``auditVerification`` itself in a server that has the
checkpoint key), the next request continues from that signed head: it hashes the events after it and
compares the stored hashes at the signed anchors before it, one read. What it cannot see, an edit before
the verified head that leaves the stored hashes alone, is the whole walk's to find (``asnflow audit
verify``); a rewrite that re-hashes the chain is still caught at the verified head. The count of events
hashed is taken from the pieces the verifier reads, not from a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update

from server.audit import sources
from server.models import AuditEvent
from tests.api.helpers import DemoApi
from tests.security.audit_checkpoint_helpers import checkpoint, head_seq, more_events, verify_cli
from tests.server.test_audit_tamper import attack, rewrite_from

Capsys = pytest.CaptureFixture[str]
VERIFICATION = "{ auditVerification { ok checkedEvents hashedEvents firstBrokenSeq problem explanation } }"


async def verify_api(demo: DemoApi) -> dict[str, Any]:
    """``auditVerification`` as the demo's auditor."""
    verdict: dict[str, Any] = (await demo.ask("auditor", VERIFICATION))["auditVerification"]
    return verdict


@pytest.fixture
def walked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The seq ranges the verifier streams and hashes, in this process (a request uses one process)."""
    ranges: list[tuple[int, int]] = []
    for source in (sources.CopySource, sources.RowsSource):

        def spy(walk: Callable[..., Any]) -> Callable[..., Any]:
            async def walking(self: sources.Source, piece: sources.Piece, *args: Any) -> Any:
                ranges.append((piece[0], piece[1]))
                return await walk(self, piece, *args)

            return walking

        monkeypatch.setattr(source, "walk", spy(source.walk))
    return ranges


async def test_a_request_hashes_only_the_events_after_the_verified_head(
    demo: DemoApi, walked: list[tuple[int, int]]
) -> None:
    await more_events(demo, 5)
    await checkpoint(demo)  # a key exists now: the server records what it verifies
    first = await verify_api(demo)
    head = await head_seq(demo)
    assert first["ok"] is True and first["checkedEvents"] == first["hashedEvents"] == head
    assert walked == [(1, head)], "no verification was recorded yet: every event"

    walked.clear()
    new_head = await more_events(demo, 3)
    second = await verify_api(demo)
    assert second["ok"] is True, second["explanation"]
    assert (second["checkedEvents"], second["hashedEvents"]) == (new_head, 3)
    assert walked == [(head + 1, new_head)]

    walked.clear()
    third = await verify_api(demo)
    assert (third["ok"], third["checkedEvents"], third["hashedEvents"]) == (True, new_head, 0)
    assert walked == [], "nothing new: a read of the stored hashes, no event hashed"


async def test_a_break_after_the_verified_head_is_found_by_the_request(demo: DemoApi) -> None:
    await more_events(demo, 4)
    await checkpoint(demo)
    assert (await verify_api(demo))["ok"] is True
    head = await more_events(demo, 3)
    await attack(demo.db, update(AuditEvent).where(AuditEvent.seq == head - 1).values(comment="edited later"))
    verdict = await verify_api(demo)
    assert (verdict["ok"], verdict["firstBrokenSeq"], verdict["problem"]) == (False, head - 1, "edited")
    assert verdict["hashedEvents"] == 3


async def test_a_rewrite_before_the_verified_head_is_caught_at_it(demo: DemoApi) -> None:
    """Re-hashing the chain from an old event changes the hash stored at the verified head."""
    await more_events(demo, 6)
    await checkpoint(demo)
    verified = await head_seq(demo)
    assert (await verify_api(demo))["ok"] is True
    await rewrite_from(demo.db, verified - 2)
    verdict = await verify_api(demo)
    assert (verdict["ok"], verdict["problem"], verdict["firstBrokenSeq"]) == (False, "rewritten", verified)
    assert verdict["hashedEvents"] == 0


async def test_an_edit_before_the_verified_head_is_the_whole_walks_to_find(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    """The bound has a price, said in docs/audit.md: contents edited under an old hash pass the request,
    and ``asnflow audit verify`` (the whole log) names the event."""
    await more_events(demo, 6)
    await checkpoint(demo)
    verified = await head_seq(demo)
    assert (await verify_api(demo))["ok"] is True
    await attack(demo.db, update(AuditEvent).where(AuditEvent.seq == 2).values(comment="edited under its old hash"))
    assert (await verify_api(demo))["hashedEvents"] == 0
    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 1 and "audit chain broken at event 2 (edited)" in verdict.out
    assert verified > 2
