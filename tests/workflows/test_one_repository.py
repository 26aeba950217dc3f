"""One repository per concept (issue 11 item 5): every SQL statement on requests, their approvals and tasks
is built in ``workflows/repository/``; the rest of ``workflows`` calls its functions by the domain's words.

Read in the code: outside the repository no module of ``workflows`` names a column of ``WorkflowRequest``,
``Task`` or ``RequestApproval`` (``WorkflowRequest.state``: only SQL reads a column off the class; a loaded
request is ``request.state``), reaches for their tables, or hands the models to ``select``, ``insert``,
``update``, ``delete`` or ``session.get``. Type hints and loaded objects stay free to use them.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = ROOT / "workflows" / "repository"
MODELS = {"WorkflowRequest", "Task", "RequestApproval"}
STATEMENTS = {"select", "insert", "update", "delete", "get", "exists"}


def _model_names(node: ast.AST) -> set[str]:
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in MODELS:
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute) and sub.attr in MODELS:
            found.add(sub.attr)  # models.Task
    return found


def statements_on_requests(source: str) -> list[str]:
    """Where ``source`` builds SQL on the request, task or approval tables: ``line: what``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr != "__name__":
            owner = node.value
            named = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if named in MODELS:
                out.append(f"{node.lineno}: {named}.{node.attr}")
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in STATEMENTS:
                for model in sorted(set().union(*(_model_names(a) for a in node.args))):
                    out.append(f"{node.lineno}: {called}({model})")
    return out


def test_the_rule_sees_a_statement_in_every_spelling() -> None:
    source = """
select(Task).where(Task.closed_at.is_(None))
session.execute(update(models.WorkflowRequest).values(state="x"))
await session.get(RequestApproval, 1)
cast(Table, Task.__table__)
def f(request: WorkflowRequest) -> Task: return request.state
"""
    assert sorted(statements_on_requests(source)) == [
        "2: Task.closed_at",
        "2: select(Task)",
        "3: update(WorkflowRequest)",
        "4: get(RequestApproval)",
        "5: Task.__table__",
    ]


def test_no_module_of_workflows_but_the_repository_builds_sql_on_requests_tasks_or_approvals() -> None:
    found = {}
    for path in sorted((ROOT / "workflows").rglob("*.py")):
        if REPOSITORY in path.parents:
            continue
        where = statements_on_requests(path.read_text(encoding="utf-8"))
        if where:
            found[path.relative_to(ROOT).as_posix()] = where
    assert found == {}, f"move these statements into workflows/repository/ and call them: {found}"
