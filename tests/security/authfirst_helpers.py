"""Probes as an attacker sends them: the same command about a real target and about one that does not exist.

A probe is answered well when the two payloads are the same bytes once the one value the caller typed
(the NIP or the request id, which the answer may echo) is swapped: nothing else tells them apart.
"""

from __future__ import annotations

from typing import Any

import orjson

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import ACT, EXPLAIN, TMT, DemoApi, propose

# A well-formed NIP (born 1990-01-01, appointed 2015-01, male, number 999) that the demo data does not hold.
NO_SUCH_NIP = "199001012015011999"
NO_SUCH_REQUEST = "987654"
VACANT_IN_OWN_UNIT = "KEL-GAMBIR-01-PLK2"  # a vacant seat in the employee persona's kelurahan

# Each proposal mutation with input that is valid apart from the subject (``past`` makes the date wrong too:
# a check that ran before authority would answer VALIDATION for a real subject and NOT_FOUND for a missing one).
PROPOSALS: dict[str, dict[str, Any]] = {
    "proposePlacement": {"positionCode": VACANT_IN_OWN_UNIT, "effectiveDate": TMT.isoformat()},
    "proposeTransfer": {"targetPositionCode": TRANSFER_TARGET_POSITION, "effectiveDate": TMT.isoformat()},
    "proposeTransferOut": {"destination": "Pemprov Jawa Barat", "effectiveDate": TMT.isoformat()},
    "proposeRankPromotion": {"effectiveDate": TMT.isoformat()},
    "proposePositionPromotion": {"positionCode": VACANT_IN_OWN_UNIT, "effectiveDate": TMT.isoformat()},
    "startEvaluation": {"year": 2026},
    "proposeTraining": {"title": "Pelatihan", "hours": 10, "date": TMT.isoformat()},
}
PAST = {"effectiveDate": "2020-01-01", "year": 1990, "hours": 0, "date": "2020-01-01"}


def same_bytes(real: dict[str, Any], missing: dict[str, Any], real_value: str, missing_value: str) -> bool:
    """The two payloads are byte-identical once the typed value is swapped."""
    return orjson.dumps(real, option=orjson.OPT_SORT_KEYS).replace(
        real_value.encode(), missing_value.encode()
    ) == orjson.dumps(missing, option=orjson.OPT_SORT_KEYS)


async def propose_about(api: DemoApi, persona: str, mutation: str, nip: str, *, past: bool = False) -> dict[str, Any]:
    values = dict(PROPOSALS[mutation])
    if past:
        values.update({k: v for k, v in PAST.items() if k in values})
    return await propose(api, persona, mutation, employeeNip=nip, **values)


async def act_raw(api: DemoApi, persona: str | None, request_id: str, action: str, **values: Any) -> dict[str, Any]:
    """``act`` as ``persona`` (None: without a token), the payload as sent."""
    variables = {"input": {"requestId": request_id, "action": action, **values}}
    data = await api.query(ACT, variables, as_user=api.uid(persona) if persona else None)
    return data["act"]  # type: ignore[no-any-return]


async def explain_raw(api: DemoApi, persona: str, request_id: str, action: str) -> dict[str, Any]:
    return (await api.ask(persona, EXPLAIN, action=action, id=request_id))["explain"]  # type: ignore[no-any-return]
