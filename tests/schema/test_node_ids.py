"""Global ids: base64 of "<Type>:<key>", read back exactly, and anything else refused with an example."""

from __future__ import annotations

import base64

import pytest
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from schema.node import _for_type
from schema.types.node import GlobalIdError, global_id, parse_global_id


def test_a_global_id_is_base64_of_type_and_key_and_reads_back() -> None:
    assert global_id("WorkflowRequest", "12") == base64.b64encode(b"WorkflowRequest:12").decode()
    assert parse_global_id(global_id("Position", "KEL-GAMBIR-02-PLK1")) == ("Position", "KEL-GAMBIR-02-PLK1")


@pytest.mark.parametrize(
    "raw",
    ["12", "!!!", base64.b64encode(b"no colon").decode(), global_id("Secret", "1"), "QQ" * 200],
    ids=["row-id", "not-base64", "no-type", "unknown-type", "too-long"],
)
def test_anything_else_is_refused_in_a_sentence(raw: str) -> None:
    with pytest.raises(GlobalIdError, match=r"^id: "):
        parse_global_id(raw)


def _field(name: str) -> SelectedField:
    return SelectedField(name=name, directives={}, arguments={}, selections=[])


def test_only_the_fragments_for_the_type_found_are_handed_on() -> None:
    selections: list[Selection] = [
        _field("nodeId"),
        InlineFragment(type_condition="Employee", selections=[_field("nip")], directives={}),
        InlineFragment(type_condition="Position", selections=[_field("code")], directives={}),
        FragmentSpread(name="F", type_condition="Node", directives={}, selections=[_field("__typename")]),
    ]
    kept = _for_type(selections, "Position")
    assert [type(s).__name__ for s in kept] == ["SelectedField", "InlineFragment", "FragmentSpread"]
    assert [s.type_condition for s in kept if isinstance(s, InlineFragment)] == ["Position"]
