"""What a verification answers: whether the chain holds and, if not, the first event that breaks it and how."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from server.audit.checkpoint import Checkpoint


class Problem(enum.StrEnum):
    EDITED = "edited"
    MISSING = "missing"
    REORDERED = "reordered"
    INSERTED = "inserted"
    TRUNCATED = "truncated"
    REWRITTEN = "rewritten"
    HEAD_MISMATCH = "head_mismatch"
    CHECKPOINT = "checkpoint"  # the checkpoint file itself cannot be trusted (missing, emptied, rewound, forged)


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    checked_events: int
    first_broken_seq: int | None
    head_hash: str
    problem: Problem | None
    explanation: str
    checkpoint: Checkpoint | None = None
    # a rewrite seen only at the anchors lies after this seq (the newest anchor that holds; 0: none) and
    # at or before ``first_broken_seq``; None for every other finding, which names the exact event
    last_intact_seq: int | None = None
    # how many events this verification hashed: ``checked_events`` when it walked the whole log, fewer
    # when it continued from a verified head (``checked_events`` then counts the events that head covers)
    hashed_events: int | None = None


class Anchor(Protocol):
    """A signed ``(seq, hash)`` the log must still hold: a checkpoint, or the last verified head."""

    @property
    def seq(self) -> int: ...

    @property
    def hash(self) -> str: ...

    @property
    def label(self) -> str:
        """How the report names it: "the checkpoint signed at ..."."""
        ...
