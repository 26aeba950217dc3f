"""a request's data holds only what its definition declares: the origin unit and the delivery date become
columns, approvals a table (segregation of duties reads it)

``workflow_requests.data`` kept bookkeeping beside the definition's fields: ``originUnitId`` (read by the
read rule through the engine's JSON operator, without a foreign key or an index), ``deliveredOn`` and
``approvals``/``approvers``. They move out, values included: ``origin_unit_id`` (foreign key to units,
indexed), ``delivered_on`` (a date) and ``request_approvals`` (one row per person and request: the first
approval step they took). The downgrade puts them back into ``data``.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0022"

MOVED = ("originUnitId", "deliveredOn", "approvals", "approvers")

_requests = sa.table(
    "workflow_requests",
    sa.column("id", sa.Integer()),
    sa.column("data", sa.JSON()),
    sa.column("origin_unit_id", sa.Integer()),
    sa.column("delivered_on", sa.Date()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_approvals = sa.table(
    "request_approvals",
    sa.column("request_id", sa.Integer()),
    sa.column("person", sa.String()),
    sa.column("step", sa.String()),
    sa.column("user_id", sa.String()),
    sa.column("approved_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("workflow_requests") as batch:
        batch.add_column(sa.Column("origin_unit_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("delivered_on", sa.Date(), nullable=True))
        batch.create_foreign_key(op.f("fk_workflow_requests_origin_unit_id_units"), "units", ["origin_unit_id"], ["id"])
        batch.create_index(op.f("ix_workflow_requests_origin_unit_id"), ["origin_unit_id"], unique=False)
    op.create_table(
        "request_approvals",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["workflow_requests.id"], name=op.f("fk_request_approvals_request_id_workflow_requests")
        ),
        sa.PrimaryKeyConstraint("request_id", "person", name=op.f("pk_request_approvals")),
    )
    _move_out()


def downgrade() -> None:
    _move_back()
    op.drop_table("request_approvals")
    with op.batch_alter_table("workflow_requests") as batch:
        batch.drop_index(op.f("ix_workflow_requests_origin_unit_id"))
        batch.drop_constraint(op.f("fk_workflow_requests_origin_unit_id_units"), type_="foreignkey")
        batch.drop_column("delivered_on")
        batch.drop_column("origin_unit_id")


def _by_person(data: Mapping[str, Any]) -> dict[str, str]:
    """Person -> approval step, as segregation of duties read it from ``data`` before this revision."""
    found = {str(user): str(step) for step, user in (data.get("approvals") or {}).items()}
    found.update({str(person): str(step) for person, step in (data.get("approvers") or {}).items()})
    return found


def _move_out() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_requests.c.id, _requests.c.data, _requests.c.updated_at)).all()
    approvals = []
    for request_id, data, updated_at in rows:
        data = dict(data or {})
        if not any(key in data for key in MOVED):
            continue
        origin, delivered = data.get("originUnitId"), data.get("deliveredOn")
        approvals += [
            {"request_id": request_id, "person": p, "step": s, "user_id": None, "approved_at": updated_at}
            for p, s in _by_person(data).items()
        ]
        bind.execute(
            _requests.update()
            .where(_requests.c.id == request_id)
            .values(
                data={k: v for k, v in data.items() if k not in MOVED},
                origin_unit_id=int(origin) if origin is not None else None,
                delivered_on=dt.date.fromisoformat(str(delivered)) if delivered else None,
            )
        )
    if approvals:
        bind.execute(_approvals.insert(), approvals)


def _move_back() -> None:
    bind = op.get_bind()
    approvers: dict[int, dict[str, str]] = {}
    for request_id, person, step in bind.execute(
        sa.select(_approvals.c.request_id, _approvals.c.person, _approvals.c.step)
    ):
        approvers.setdefault(request_id, {})[person] = step
    rows = bind.execute(
        sa.select(_requests.c.id, _requests.c.data, _requests.c.origin_unit_id, _requests.c.delivered_on)
    ).all()
    for request_id, data, origin, delivered in rows:
        people = approvers.get(request_id, {})
        if origin is None and delivered is None and not people:
            continue
        data = dict(data or {})
        if origin is not None:
            data["originUnitId"] = origin
        if delivered is not None:
            data["deliveredOn"] = delivered.isoformat()
        if people:
            data["approvers"] = people
            data["approvals"] = {step: person for person, step in people.items()}
        bind.execute(_requests.update().where(_requests.c.id == request_id).values(data=data))
