"""The one casbin enforcer of a process: what each role may do, asked per (role, object kind, action).

The policy is small (roles x object kinds x actions); who holds which role where lives in the database.
Answers are computed for every role at load time and memoised per policy version: a reload (a NOTIFY from another process, or the periodic check
of ``policy_state.version``) clears them. ``FastEnforcer`` indexed on (object kind, action) keeps a cold
question to the handful of rows that can match, and ``enforce_ex`` names the deciding rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import casbin
from casbin.model import fast_policy_filter
from casbin.util.log import configure_logging

from server.settings import get_settings

HERE = Path(__file__).parent
MODEL_PATH = HERE / "model.conf"
DEFAULT_POLICY_PATH = HERE / "policy.csv"

# Roles an administrator can grant (API.md); relations are computed; "public" is everyone's.
ROLES = (
    "employee",
    "unit_head",
    "unit_hr",
    "bkd_verifier",
    "bkd_official",
    "board_member",
    "pyb",
    "ppk",
    "auditor",
    "admin",
)
RELATIONS = ("self", "supervisor", "superior")
PUBLIC_ROLE = "public"

Rule = tuple[str, ...]


# pycasbin's loggers: its dump of the model, the policy and the role links (INFO), and one line per
# ``enforce`` (INFO when allowed, WARNING when denied: an ordinary answer here, a thousand of them per warm-up)
CASBIN_LOGGERS = ("casbin", "casbin.policy", "casbin.role")
CASBIN_REQUEST_LOGGER = "casbin.enforcer"


def casbin_logging(level: str) -> dict[str, Any]:
    """pycasbin's ``logging_config`` for ``ASNFLOW_LOG_LEVEL=level``: its chatter only when DEBUG is asked for.

    Otherwise casbin's own loggers pass WARNING and above, and its per-request lines none (a denial is
    casbin's WARNING). ``incremental`` sets levels only: the records go on to the root's JSON handler
    (server/logs.py), and no handler of the process is replaced or closed.
    """
    debug = level == "DEBUG"
    loggers = {name: {"level": "DEBUG" if debug else "WARNING", "propagate": True} for name in CASBIN_LOGGERS}
    loggers[CASBIN_REQUEST_LOGGER] = {"level": "DEBUG" if debug else "ERROR", "propagate": True}
    return {"version": 1, "incremental": True, "loggers": loggers}


def policy_path() -> Path:
    """``ASNFLOW_POLICY_FILE`` when set (an operator's own policy), else the packaged base policy."""
    return get_settings().policy_file or DEFAULT_POLICY_PATH


class PolicyEnforcer:
    """casbin plus the memo of its answers; ``version`` counts reloads and remembers the database's."""

    def __init__(self, model_path: Path = MODEL_PATH, path: Path | None = None) -> None:
        self.model_path = model_path
        self.path = path or policy_path()
        # configured before the enforcer is built, which logs the model and the policy as it loads them
        log_config = casbin_logging(get_settings().log_level)
        configure_logging(log_config)
        self._casbin = casbin.FastEnforcer(
            str(model_path), str(self.path), enable_log=True, logging_config=log_config, cache_key_order=[1, 2]
        )
        self._permits: dict[tuple[str, str, str], Rule | None] = {}
        self._roles_for: dict[tuple[str, str], tuple[str, ...]] = {}
        self.memo: dict[object, object] = {}
        self.generation = 0
        self.db_version: int | None = None
        self._warm()

    def permits(self, role: str, obj: str, act: str) -> Rule | None:
        """The policy line letting ``role`` do ``act`` to ``obj``, or None."""
        key = (role, obj, act)
        try:
            return self._permits[key]
        except KeyError:
            pass
        with self._filtered(obj, act):
            allowed, explain = self._casbin.enforce_ex(role, obj, act)
        rule = tuple(explain) if allowed and explain else None
        self._permits[key] = rule
        return rule

    def roles_for(self, obj: str, act: str) -> tuple[str, ...]:
        """Every role or relation the policy lets do ``act`` to ``obj`` (for explanations and scopes)."""
        key = (obj, act)
        roles = self._roles_for.get(key)
        if roles is None:
            rows = self._casbin.get_filtered_policy(1, obj, act)
            roles = self._roles_for[key] = tuple(sorted({row[0] for row in rows}))
        return roles

    def rules(self) -> list[Rule]:
        """All permission lines, as (role, object kind, action)."""
        return [tuple(row) for row in self._casbin.get_policy()]

    def reload(self, db_version: int | None = None) -> None:
        """Re-read the policy file and forget every memoised answer."""
        self._casbin.load_policy()
        self._permits.clear()
        self._roles_for.clear()
        self.memo.clear()
        self._warm()
        self.generation += 1
        if db_version is not None:
            self.db_version = db_version

    def _warm(self) -> None:
        """Ask casbin every (role or relation, object, action) the policy mentions once, at load time.

        About a thousand questions, tens of milliseconds per reload; afterwards no request pays for a
        casbin call, so the first decision after a reload costs what the next ones do.
        """
        operations = {(obj, act) for _, obj, act in self.rules()}
        for obj, act in operations:
            self.roles_for(obj, act)
            for role in (*ROLES, *RELATIONS, PUBLIC_ROLE):
                self.permits(role, obj, act)

    @contextmanager
    def _filtered(self, *keys: str) -> Iterator[None]:
        with fast_policy_filter(self._casbin.model.model["p"]["p"].policy, *keys):
            yield


_enforcer: PolicyEnforcer | None = None


def get_enforcer() -> PolicyEnforcer:
    """The process's enforcer, loaded on first use."""
    global _enforcer
    if _enforcer is None:
        _enforcer = PolicyEnforcer()
    return _enforcer


def reset_enforcer(path: Path | None = None) -> PolicyEnforcer:
    """Replace the process's enforcer (tests and ``ASNFLOW_POLICY_FILE`` changes)."""
    global _enforcer
    _enforcer = PolicyEnforcer(path=path)
    return _enforcer
