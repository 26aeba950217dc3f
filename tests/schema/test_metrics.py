"""/metrics speaks Prometheus and counts operations by name and workflow commands by outcome."""

from server.seed import persona_user_ids
from tests.schema.conftest import Api


async def test_metrics_count_operations_and_workflow_outcomes(demo_api: Api) -> None:
    ids = await persona_user_ids(demo_api.db)
    await demo_api.query("query WhoAmI { viewer { userId } }", as_user=ids["employee"])
    await demo_api.query(
        """mutation Propose($i: ProposeRankPromotionInput!) {
        proposeRankPromotion(input: $i) { errors { code } } }""",
        {"i": {"employeeNip": ids["employee"], "effectiveDate": "2026-12-01"}},
        as_user=ids["employee"],
    )
    response = await demo_api.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    body = response.text
    assert 'asnflow_graphql_operation_seconds_count{operation="WhoAmI",type="query"}' in body
    assert 'asnflow_workflow_actions_total{command="proposeRankPromotion",outcome="FORBIDDEN"}' in body
    assert "asnflow_db_pool_checked_out" in body
