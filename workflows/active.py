"""Requests are about active employees: someone who moved out, retired, was dismissed or died is not managed here.

A proposal about them is refused (``workflows.proposals``); a request already open when their status
changed can still be rejected or withdrawn, but no person takes it forward (``take_step`` and the
preview of ``availableActions`` ask ``moves_forward_refused``). The scheduler's own steps are left alone,
so a decree that has come due never turns into a tick that fails every night.
"""

from __future__ import annotations

from server.models import Employee
from workflows.definition import ActionDef

ACTIVE = "active"
RULE = "subject_active"


def inactive(subject: Employee) -> str | None:
    """Why ``subject`` cannot be the subject of a new step forward (None: they are active)."""
    if subject.status == ACTIVE:
        return None
    return f"{subject.name} (NIP {subject.nip}) is {subject.status.replace('_', ' ')}, not active"


def moves_forward_refused(subject: Employee, action: ActionDef) -> str | None:
    """The sentence refusing a person's step forward on a request about an inactive employee, if it is one."""
    why = inactive(subject)
    if why is None or action.kind != "forward" or action.auto is not None:
        return None
    return f"{RULE}: {why}; a request about them can only be rejected or withdrawn"
