"""The seeded demo answers as a newcomer would try it: personas sign in and see their world."""

from server.seed import persona_user_ids
from tests.schema.conftest import Api


async def test_each_persona_signs_in_and_sees_their_roles(demo_api: Api) -> None:
    ids = await persona_user_ids(demo_api.db)
    for key in ("employee", "unit_head", "bkd_verifier", "ppk", "auditor", "admin"):
        data = await demo_api.query("{ viewer { userId roles { role unitCode } } }", as_user=ids[key])
        assert data["viewer"]["userId"] == ids[key]
        assert data["viewer"]["roles"], key
