"""auditEvents and auditVerification over HTTP: auditors read all, a person their own trail, the public nothing."""

from __future__ import annotations

from server.seed import persona_user_ids
from tests.schema.conftest import Api

EVENTS = """query($f: AuditFilter, $first: Int, $after: String, $old: Boolean!) {
  auditEvents(filter: $f, first: $first, after: $after, oldestFirst: $old) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { seq actor action entityType entityId requestId } } } }"""
PROPOSE = """mutation($i: ProposeRankPromotionInput!) { proposeRankPromotion(input: $i) { request { id } errors { code message } } }"""


async def _events(api: Api, user: str | None, **variables: object) -> dict:  # type: ignore[type-arg]
    merged = {"f": None, "first": 50, "after": None, "old": False, **variables}
    return (await api.query(EVENTS, merged, as_user=user))["auditEvents"]  # type: ignore[no-any-return]


async def test_the_auditor_reads_the_whole_log_in_both_orders_without_gaps(demo_api: Api) -> None:
    ids = await persona_user_ids(demo_api.db)
    await demo_api.query(
        PROPOSE, {"i": {"employeeNip": ids["employee"], "effectiveDate": "2026-12-01"}}, as_user=ids["bkd_official"]
    )
    newest = await _events(demo_api, ids["auditor"])
    oldest = await _events(demo_api, ids["auditor"], old=True)
    seqs = [e["node"]["seq"] for e in newest["edges"]]
    assert seqs == sorted(seqs, reverse=True) and seqs[-1] == 1
    assert [e["node"]["seq"] for e in oldest["edges"]] == sorted(seqs)
    assert newest["totalCount"] == len(seqs)
    paged: list[int] = []
    after = None
    while True:
        page = await _events(demo_api, ids["auditor"], first=2, after=after, old=True)
        paged += [e["node"]["seq"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert paged == sorted(seqs)


async def test_an_employee_reads_their_own_trail_and_nobody_elses(demo_api: Api) -> None:
    ids = await persona_user_ids(demo_api.db)
    mine = await demo_api.query(
        PROPOSE, {"i": {"employeeNip": ids["employee"], "effectiveDate": "2026-12-01"}}, as_user=ids["bkd_official"]
    )
    mine_id = mine["proposeRankPromotion"]["request"]["id"]
    trail = await _events(demo_api, ids["employee"])
    assert trail["edges"], "the proposal about the employee is in their trail"
    assert all(e["node"]["requestId"] == mine_id or e["node"]["actor"] == ids["employee"] for e in trail["edges"]), (
        trail
    )
    other = await _events(demo_api, ids["target_head"])
    assert all(e["node"]["requestId"] != mine_id for e in other["edges"])


async def test_the_public_may_not_read_the_log_and_only_auditors_verify(demo_api: Api) -> None:
    ids = await persona_user_ids(demo_api.db)
    public = (await demo_api.post(EVENTS, {"f": None, "first": 5, "after": None, "old": False})).json()
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    verification = await demo_api.query(
        "{ auditVerification { ok checkedEvents firstBrokenSeq explanation } }", as_user=ids["auditor"]
    )
    assert verification["auditVerification"]["ok"] is True
    assert verification["auditVerification"]["checkedEvents"] >= 1
    refused = (await demo_api.post("{ auditVerification { ok } }", as_user=ids["employee"])).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
