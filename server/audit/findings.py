"""Classification: what a broken chain means, from the rows that failed a local check and the anchors.

- own hash wrong, contents verify under another broken row's seq -> **reordered** (two events swapped;
  two neighbours swapped when row k verifies under k+1 and row k+1 under k);
- own hash wrong, contents verify under seq+1 -> **missing** (an event deleted, later ones renumbered);
- own hash wrong, contents verify under seq-1 -> **inserted** (a forged event pushed the rest up one);
- own hash wrong otherwise -> **edited**;
- a gap in seq -> **missing**;
- own hash right but ``prev_hash`` wrong -> **reordered** when it names another event's hash,
  **inserted** when the next row's link is broken too, else the previous event was **edited** and re-hashed;
- the head row behind the last event -> **inserted** (appended around the writer); ahead -> **truncated**;
- an anchor's seq beyond the last event -> **truncated**; its hash not the event's -> **rewritten**, located
  between the newest anchor below it that still holds and it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.audit import queries
from server.audit.encoding import exact_hash
from server.audit.report import Anchor, Problem
from server.audit.walk import Anomaly, Walk

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Finding:
    seq: int
    problem: Problem
    explanation: str
    intact: int | None = None


def _span(first: int, last: int) -> str:
    return f"event {first}" if first == last else f"events {first} to {last}"


def _original_seq(anomaly: Anomaly, others: Sequence[Anomaly]) -> int | None:
    """The seq under which a row's contents verify: where the event was before someone moved it."""
    candidates = [anomaly.seq + 1, anomaly.seq - 1, *(o.seq for o in others if not o.hash_ok)]
    stored = anomaly.row[-1]
    for seq in candidates:
        if seq != anomaly.seq and seq > 0 and exact_hash(anomaly.row, seq) == stored:
            return seq
    return None


async def chain_finding(conn: AsyncConnection, walk: Walk) -> Finding | None:
    if not walk.anomalies:
        return None
    anomalies = walk.anomalies
    first = anomalies[0]
    k = first.seq
    following = next((a for a in anomalies if a.seq == k + 1), None)
    if k != first.expected_seq:
        e = first.expected_seq
        where = "the log starts at event" if e == 1 else f"the log goes from event {e - 1} to event"
        verb = "was" if k - 1 == e else "were"
        return Finding(e, Problem.MISSING, f"{_span(e, k - 1)} {verb} deleted: {where} {k}")
    if not first.hash_ok:
        original = _original_seq(first, anomalies)
        if (
            original == k + 1
            and following is not None
            and not following.hash_ok
            and exact_hash(following.row, k) == following.row[-1]
        ):
            return Finding(
                k,
                Problem.REORDERED,
                f"events {k} and {k + 1} were reordered: each holds the event that belongs at the other's seq",
            )
        if original == k + 1:
            return Finding(
                k,
                Problem.MISSING,
                f"event {k} was deleted and the events after it renumbered to close the gap: "
                f"event {k} holds what was event {k + 1}",
            )
        if original == k - 1:
            return Finding(
                k - 1,
                Problem.INSERTED,
                f"event {k - 1} was inserted (forged) and the events after it renumbered: "
                f"event {k} holds what was event {k - 1}",
            )
        if original is not None:
            return Finding(
                k,
                Problem.REORDERED,
                f"events {k} and {original} were reordered: event {k} holds the event that belongs at seq {original}",
            )
        if following is not None and not following.hash_ok and _original_seq(following, anomalies) == k:
            return Finding(
                k,
                Problem.INSERTED,
                f"event {k} was inserted (forged) and the events after it renumbered: "
                f"event {k + 1} holds what was event {k}",
            )
        return Finding(k, Problem.EDITED, f"event {k} was edited: its stored hash does not match its contents")
    linked_to = await queries.seq_of_hash(conn, str(first.row[-2]))
    if linked_to is not None:
        return Finding(
            k,
            Problem.REORDERED,
            f"event {k} is out of order: its prev_hash is the hash of event {linked_to}, not of event {k - 1}",
        )
    if following is not None and not following.link_ok:
        return Finding(
            k,
            Problem.INSERTED,
            f"event {k} was inserted (forged): it links to neither event {k - 1} nor event {k + 1}",
        )
    if k == 1:
        return Finding(1, Problem.EDITED, "event 1 was edited: its prev_hash is not the genesis hash")
    return Finding(
        k - 1,
        Problem.EDITED,
        f"event {k - 1} was edited and its hash recomputed: event {k}'s prev_hash no longer matches it",
    )


def head_finding(walk: Walk, head: tuple[int, str] | None) -> Finding | None:
    last = walk.last_seq
    if head is None:
        return Finding(last + 1, Problem.HEAD_MISMATCH, "the chain head row (audit_head id=1) is missing")
    head_seq, head_hash = head
    if head_seq > last:
        return Finding(
            last + 1,
            Problem.TRUNCATED,
            f"the log ends at event {last} but the chain head says {head_seq}: "
            f"{_span(last + 1, head_seq)} {'was' if head_seq == last + 1 else 'were'} cut from the tail",
        )
    if head_seq < last:
        return Finding(
            head_seq + 1,
            Problem.INSERTED,
            f"{_span(head_seq + 1, last)} {'comes' if last == head_seq + 1 else 'come'} after the chain head "
            f"(event {head_seq}): inserted without going through the audit writer",
        )
    if head_hash != walk.last_hash:
        return Finding(
            last,
            Problem.HEAD_MISMATCH,
            f"the chain head says event {last} has hash {head_hash[:12]}…, but its hash is {walk.last_hash[:12]}…",
        )
    return None


def anchor_finding(walk: Walk, anchors: Sequence[Anchor]) -> Finding | None:
    """Every signed anchor, lowest seq first: the first the log no longer reaches (**truncated**) or no
    longer matches (**rewritten**).

    A consistent rewrite (every hash after the change recomputed) shows only at anchors, so it is
    located between the newest anchor below it that still holds and the first that does not.
    """
    intact, intact_label = 0, ""
    for anchor in sorted((a for a in anchors if a.seq > 0), key=lambda a: a.seq):
        if anchor.seq > walk.last_seq:
            last = walk.last_seq
            return Finding(
                last + 1,
                Problem.TRUNCATED,
                f"{anchor.label} covers event {anchor.seq}, but the log ends at event {last}: "
                f"{_span(last + 1, anchor.seq)} {'was' if anchor.seq == last + 1 else 'were'} cut from the tail",
            )
        stored = walk.hash_at_checkpoint.get(anchor.seq)
        if stored is not None and stored != anchor.hash:
            said = f"event {anchor.seq} has hash {stored[:12]}…, but {anchor.label} says {anchor.hash[:12]}…"
            if not intact:
                return Finding(
                    anchor.seq, Problem.REWRITTEN, f"{said}: the chain up to event {anchor.seq} was rewritten", 0
                )
            return Finding(
                anchor.seq,
                Problem.REWRITTEN,
                f"{said}: the chain was rewritten from an event between {intact + 1} and {anchor.seq} "
                f"(event {intact} still has the hash {intact_label} signed)",
                intact,
            )
        if stored == anchor.hash:
            intact, intact_label = anchor.seq, anchor.label
    return None
