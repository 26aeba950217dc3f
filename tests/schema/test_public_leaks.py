"""Nothing reachable without a token names a person: every field of every root query, walked from the schema."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
)
from graphql.pyutils import Undefined
from sqlalchemy import select

from schema.schema import schema
from schema.types.node import global_id
from server.models import Employee, Position, Unit, WorkflowRequest
from server.seed import persona_user_ids
from tests.schema.conftest import Api

MAX_DEPTH = 4


def _selection(obj: GraphQLObjectType, depth: int) -> str:
    """Every field of ``obj`` down to MAX_DEPTH; nested fields get only their required arguments."""
    parts: list[str] = []
    for name, field in obj.fields.items():
        required = [
            a for a, d in field.args.items() if isinstance(d.type, GraphQLNonNull) and d.default_value is Undefined
        ]
        if any(a not in NESTED_ARGS for a in required):
            continue
        args = f"({', '.join(f'{a}: {NESTED_ARGS[a]}' for a in required)})" if required else ""
        target = get_named_type(field.type)
        if is_leaf_type(target):
            parts.append(f"{name}{args}")
        elif isinstance(target, GraphQLObjectType) and depth < MAX_DEPTH:
            inner = _selection(target, depth + 1)
            if inner:
                parts.append(f"{name}{args} {{ {inner} }}")
    return " ".join(parts)


NESTED_ARGS = {"year": "2025"}

ROOT_ARGS: dict[str, Any] = {
    "unit": lambda s: f'(code: "{s["unit"]}")',
    "position": lambda s: f'(code: "{s["position"]}")',
    "employee": lambda s: f'(nip: "{s["nip"]}")',
    "request": lambda s: f'(id: "{s["request"]}")',
    "explain": lambda s: f'(action: "verify", requestId: "{s["request"]}")',
    "rankPromotionCandidates": lambda s: '(period: "2026-12-01")',
    "trainingShortfall": lambda s: "(year: 2025)",
    "talentPool": lambda s: "(year: 2025)",
    "publicStatistics": lambda s: f'(unitCode: "{s["unit"]}", year: 2025)',
    "vacancyCandidates": lambda s: f'(positionCode: "{s["position"]}")',
    "trainingPlan": lambda s: f'(year: 2025, unitCode: "{s["unit"]}")',
    "workforceNeeds": lambda s: f'(unitCode: "{s["unit"]}")',
}
NODE_KEYS = {"Employee": "nip", "Position": "position", "Unit": "unit", "WorkflowRequest": "request"}


def root_queries(gql: GraphQLSchema, sample: dict[str, str]) -> dict[str, str]:
    query_type = gql.query_type
    assert query_type is not None
    out = {}
    for name, field in query_type.fields.items():
        target = get_named_type(field.type)
        args = ROOT_ARGS[name](sample) if name in ROOT_ARGS else ""
        if is_leaf_type(target):
            out[name] = f"{{ {name}{args} }}"
        elif isinstance(target, GraphQLInterfaceType):  # node(id:): one query per type that implements it
            for t in gql.get_possible_types(target):
                key = sample[NODE_KEYS[t.name]] if t.name in NODE_KEYS else "1"
                node_id = global_id(t.name, key)
                out[f"{name}:{t.name}"] = (
                    f'{{ {name}(id: "{node_id}") {{ ... on {t.name} {{ {_selection(t, 1)} }} }} }}'
                )
        else:
            assert isinstance(target, GraphQLObjectType)
            out[name] = f"{{ {name}{args} {{ {_selection(target, 1)} }} }}"
    return out


async def test_no_public_field_returns_a_name_or_an_nip(demo_api: Api) -> None:
    db = demo_api.db
    ids = await persona_user_ids(db)
    async with db.read() as s:
        people = (await s.execute(select(Employee.nip, Employee.name))).all()
        sample = {
            "unit": (await s.execute(select(Unit.code).order_by(Unit.id).limit(1))).scalar_one(),
            "position": (await s.execute(select(Position.code).order_by(Position.id).limit(1))).scalar_one(),
            "nip": people[0].nip,
        }
    # make sure there is a request to look at, proposed by a unit head
    proposal = await demo_api.query(
        """mutation($i: ProposeRankPromotionInput!) { proposeRankPromotion(input: $i) { request { id } errors { code message } } }""",
        {"i": {"employeeNip": ids["employee"], "effectiveDate": "2026-12-01"}},
        as_user=ids["bkd_official"],
    )
    request = proposal["proposeRankPromotion"]["request"]
    assert request is not None, proposal
    sample["request"] = request["id"]
    nips = {p.nip for p in people}
    names = {p.name for p in people}
    queries = root_queries(schema._schema, sample)
    assert len(queries) >= 12
    for name, query in queries.items():
        response = await demo_api.post(query)
        assert response.status_code == 200, (name, response.text)
        errors = response.json().get("errors") or []
        assert all(e.get("extensions", {}).get("code") == "FORBIDDEN" for e in errors), (name, errors)
        text = response.text
        leaked_nips = [n for n in nips if n in text]
        leaked_names = [n for n in names if f'"{n}"' in text]
        assert not leaked_nips and not leaked_names, (name, leaked_nips[:3], leaked_names[:3])


async def test_the_walk_does_reach_people_when_signed_in(demo_api: Api) -> None:
    """The same walk as an administrator does show NIPs: the public test above is not vacuous."""
    ids = await persona_user_ids(demo_api.db)
    async with demo_api.db.read() as s:
        nip = (await s.execute(select(Employee.nip).order_by(Employee.id).limit(1))).scalar_one()
        unit = (await s.execute(select(Unit.code).order_by(Unit.id).limit(1))).scalar_one()
        position = (await s.execute(select(Position.code).order_by(Position.id).limit(1))).scalar_one()
        request = (await s.execute(select(WorkflowRequest.id).limit(1))).scalar_one_or_none()
    queries = root_queries(
        schema._schema, {"unit": unit, "position": position, "nip": nip, "request": str(request or 1)}
    )
    response = await demo_api.post(queries["employees"], as_user=ids["admin"])
    assert "errors" not in response.json(), response.json().get("errors")
    assert '"nip":"' in response.text.replace(" ", "")
    by_node = await demo_api.post(queries["node:Employee"], as_user=ids["admin"])
    assert f'"nip":"{nip}"' in by_node.text.replace(" ", ""), by_node.text[:300]
