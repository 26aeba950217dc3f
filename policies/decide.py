"""One authorization decision: may this viewer do this action to this kind of object in this unit?

A role applies when the viewer holds it in the object's unit or an ancestor (the grant's unit path is
a prefix of the object's; a province-wide grant covers everything, and only it covers province-level
objects). A relation to the employee concerned (self, supervisor, superior) applies wherever that
employee is. When the object is about the viewer themself, only the policy's "self" lines count:
nobody acts on their own case in another capacity (segregation of duties).
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.enforcer import PUBLIC_ROLE, RELATIONS, PolicyEnforcer, get_enforcer
from policies.relations import RELATION_WORDS
from policies.viewer import Grant, Viewer

ACTING_WORDS = {"plt": "Plt, acting official", "plh": "Plh, daily acting official", "delegation": "delegated"}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    rule: tuple[str, ...] | None = None


def covers(grant_path: str | None, unit_path: str | None) -> bool:
    """A grant covers its unit's subtree; a province-wide grant (None) covers everything."""
    if grant_path is None:
        return True
    return unit_path is not None and unit_path.startswith(grant_path)


def decide(
    viewer: Viewer,
    *,
    obj: str,
    action: str,
    unit_path: str | None,
    relations: frozenset[str] = frozenset(),
    unit_code: str | None = None,
) -> Decision:
    """Allowed or refused, with the reason in words; memoised per policy version.

    ``unit_path`` None is a province-level object. ``unit_code`` only names the unit in the reason.
    """
    enforcer = get_enforcer()
    key = (viewer.grants, viewer.user_id is None, obj, action, unit_path, relations, unit_code)
    memo = enforcer.memo
    found = memo.get(key)
    if found is None:
        found = memo[key] = _decide(enforcer, viewer, obj, action, unit_path, relations, unit_code)
    assert isinstance(found, Decision)
    return found


def _decide(
    enforcer: PolicyEnforcer,
    viewer: Viewer,
    obj: str,
    action: str,
    unit_path: str | None,
    relations: frozenset[str],
    unit_code: str | None,
) -> Decision:
    doing = f"{action.replace('_', ' ')} {obj.replace('_', ' ')}"
    if "self" in relations:
        rule = enforcer.permits("self", obj, action)
        if rule is not None:
            return Decision(True, f"allowed: as the employee concerned you may {doing}", rule)
        return Decision(
            False,
            f"refused: this {obj.replace('_', ' ')} is about you, and nobody may {action.replace('_', ' ')} "
            "in their own case (segregation of duties)",
        )
    for relation in RELATIONS:
        if relation in relations:
            rule = enforcer.permits(relation, obj, action)
            if rule is not None:
                return Decision(True, f"allowed: as {RELATION_WORDS[relation]} you may {doing}", rule)
    rule = enforcer.permits(PUBLIC_ROLE, obj, action)
    if rule is not None:
        return Decision(True, f"allowed: everyone may {doing}", rule)
    uncovering: list[Grant] = []
    for grant in viewer.grants:
        rule = enforcer.permits(grant.role, obj, action)
        if rule is None:
            continue
        if covers(grant.unit_path, unit_path):
            return Decision(True, f"allowed: {describe_grant(grant)} may {doing}", rule)
        uncovering.append(grant)
    return Decision(False, _refusal(enforcer, viewer, obj, action, doing, unit_path, unit_code, uncovering))


def _refusal(
    enforcer: PolicyEnforcer,
    viewer: Viewer,
    obj: str,
    action: str,
    doing: str,
    unit_path: str | None,
    unit_code: str | None,
    uncovering: list[Grant],
) -> str:
    where = _where(unit_path, unit_code)
    able = enforcer.roles_for(obj, action)
    roles = [r for r in able if r not in RELATIONS]
    relations = [RELATION_WORDS[r] for r in able if r in RELATIONS]
    if not able:
        return f"refused: the policy lets nobody {doing}"
    if uncovering:
        held = ", ".join(describe_grant(g) for g in uncovering)
        return f"refused: you may {doing} only where you hold the role ({held}), not {where}"
    who = " or ".join([*roles, *relations])
    if not viewer.authenticated:
        return f"refused: sign in; only {who} may {doing}"
    return f"refused: no role of yours may {doing} {where}; {who} can"


def _where(unit_path: str | None, unit_code: str | None) -> str:
    if unit_code is not None:
        return f"in unit {unit_code}"
    if unit_path is None:
        return "province-wide"
    return f"in the unit at {unit_path}"


def describe_grant(grant: Grant) -> str:
    """``unit_head granted in DINKES``, ``bkd_verifier granted province-wide``, with the end date if any."""
    place = f"in {grant.unit_code or grant.unit_path}" if grant.unit_path is not None else "province-wide"
    until = f" until {grant.valid_to.isoformat()}" if grant.valid_to is not None else ""
    acting = f" ({ACTING_WORDS.get(grant.acting, grant.acting)})" if grant.acting else ""
    return f"{grant.role}{acting} granted {place}{until}"
