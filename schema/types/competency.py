"""The competency fit of a person to a position, as a request shows it (issue 14 item 2)."""

from __future__ import annotations

import strawberry


@strawberry.type(
    description="How well the request's subject fits its position in competencies, today. It advises; the "
    "request's guards decide."
)
class CandidateFit:
    fit: float = strawberry.field(
        description="The share of the position's required competency levels the subject meets, weighted by "
        "level: 0 (none) to 1 (all)."
    )
    reasons: list[str] = strawberry.field(
        description='One sentence per required competency, highest level first ("has ... (training 2025, '
        '24 JP)", "lacks ...").'
    )
