"""Every role x every operation x every situation, expected outcomes derived from policy.csv itself.

The expectation is read from the file with a plain CSV parser, independently of casbin and of the
unit-ancestry logic, so a change in either that breaks the documented meaning fails here.
"""

from __future__ import annotations

import csv

import pytest

from policies.decide import decide
from policies.enforcer import DEFAULT_POLICY_PATH, ROLES
from policies.viewer import PUBLIC, Grant, Viewer

A = "/1/"  # the unit where the role is granted
A_SUB = "/1/2/"  # a unit beneath it
OTHER = "/3/"  # a unit elsewhere in the province


def permissions() -> frozenset[tuple[str, str, str]]:
    with DEFAULT_POLICY_PATH.open() as fh:
        rows = csv.reader(line for line in fh if line.strip() and not line.lstrip().startswith("#"))
        return frozenset((r[1].strip(), r[2].strip(), r[3].strip()) for r in rows if r[0].strip() == "p")


PERMISSIONS = permissions()
OPERATIONS = sorted({(obj, act) for _, obj, act in PERMISSIONS} | {("audit", "write"), ("employee", "delete")})


def may(who: str, obj: str, act: str) -> bool:
    return (who, obj, act) in PERMISSIONS or ("public", obj, act) in PERMISSIONS


# situation -> (unit path of the object, relations of the viewer to the employee concerned, expected)
SITUATIONS = {
    "own unit": (A, frozenset[str](), lambda role, o, a: may(role, o, a)),
    "sub-unit": (A_SUB, frozenset[str](), lambda role, o, a: may(role, o, a)),
    "other unit": (OTHER, frozenset[str](), lambda role, o, a: may("public", o, a)),
    "province level": (None, frozenset[str](), lambda role, o, a: may("public", o, a)),
    "self, own unit": (A, frozenset({"self"}), lambda role, o, a: ("self", o, a) in PERMISSIONS),
    "supervisor, other unit": (OTHER, frozenset({"supervisor"}), lambda role, o, a: may("supervisor", o, a)),
    "superior, other unit": (OTHER, frozenset({"superior"}), lambda role, o, a: may("superior", o, a)),
    "unrelated, other unit": (OTHER, frozenset[str](), lambda role, o, a: may("public", o, a)),
}


def in_unit(role: str) -> Viewer:
    return Viewer(user_id=f"{role}-user", employee_id=7, grants=(Grant(role, 1, "UNIT-A", A),))


def province_wide(role: str) -> Viewer:
    return Viewer(user_id=f"{role}-user", employee_id=7, grants=(Grant(role),))


@pytest.mark.parametrize(("obj", "act"), OPERATIONS, ids=[f"{o}.{a}" for o, a in OPERATIONS])
@pytest.mark.parametrize("role", ROLES)
def test_a_role_granted_in_a_unit_acts_in_its_subtree_only(role: str, obj: str, act: str) -> None:
    viewer = in_unit(role)
    for situation, (path, relations, expected) in SITUATIONS.items():
        decision = decide(viewer, obj=obj, action=act, unit_path=path, relations=relations)
        want = expected(role, obj, act)
        assert decision.allowed is want, f"{role} {act} {obj} ({situation}): {decision.reason}"
        assert decision.reason.startswith("allowed: " if want else "refused: ")
        if want:
            assert decision.rule is not None and decision.rule[1:] == (obj, act)
        else:
            assert decision.rule is None


@pytest.mark.parametrize(("obj", "act"), OPERATIONS, ids=[f"{o}.{a}" for o, a in OPERATIONS])
@pytest.mark.parametrize("role", ROLES)
def test_a_province_wide_role_acts_everywhere(role: str, obj: str, act: str) -> None:
    viewer = province_wide(role)
    for path in (A, OTHER, None):
        decision = decide(viewer, obj=obj, action=act, unit_path=path)
        assert decision.allowed is may(role, obj, act), f"{role} {act} {obj} at {path}: {decision.reason}"


@pytest.mark.parametrize(("obj", "act"), OPERATIONS, ids=[f"{o}.{a}" for o, a in OPERATIONS])
def test_the_public_only_sees_what_everyone_may(obj: str, act: str) -> None:
    for path in (A, None):
        assert decide(PUBLIC, obj=obj, action=act, unit_path=path).allowed is (("public", obj, act) in PERMISSIONS)


def test_auditors_read_everything_and_change_nothing() -> None:
    auditor = {(o, a) for r, o, a in PERMISSIONS if r == "auditor"}
    assert {a for _, a in auditor} == {"read"}
    assert {o for o, _ in auditor} >= {"employee", "position", "request", "audit"}


def test_the_public_gets_no_names_or_nips() -> None:
    public = {o for r, o, _ in PERMISSIONS if r == "public"}
    assert public.isdisjoint({"employee", "position", "request", "audit", "grant"})


def test_the_matrix_has_several_hundred_cases() -> None:
    assert len(ROLES) * len(OPERATIONS) * len(SITUATIONS) > 500


def test_every_role_and_relation_in_the_file_is_known() -> None:
    assert {r for r, _, _ in PERMISSIONS} <= {*ROLES, "self", "supervisor", "superior", "public"}
