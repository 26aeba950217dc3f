"""a request's data holds only what its definition declares: the proposer, the implied steps and the last
step become columns

``workflow_requests.data`` still kept the engine's bookkeeping beside the definition's fields: ``proposer``
(the proposer as a person, for segregation of duties), ``implied`` (the approval steps a proposal gave with
it) and ``lastStep`` (the last step's action, from, to, by and version, for the lost-race message). They
move out, values included: ``proposer_person``, ``implied_steps`` (a JSON list of step names) and
``last_action``, ``last_from_state``, ``last_by`` (``to`` and ``version`` are the request's own ``state``
and ``version``: the last step wrote both). The downgrade puts them back into ``data``.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"

MOVED = ("proposer", "implied", "lastStep")

_requests = sa.table(
    "workflow_requests",
    sa.column("id", sa.Integer()),
    sa.column("state", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("data", sa.JSON()),
    sa.column("proposer_person", sa.String()),
    sa.column("implied_steps", sa.JSON()),
    sa.column("last_action", sa.String()),
    sa.column("last_from_state", sa.String()),
    sa.column("last_by", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("workflow_requests") as batch:
        batch.add_column(sa.Column("proposer_person", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("implied_steps", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("last_action", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("last_from_state", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("last_by", sa.String(length=64), nullable=True))
    _move_out()


def downgrade() -> None:
    _move_back()
    with op.batch_alter_table("workflow_requests") as batch:
        for column in ("last_by", "last_from_state", "last_action", "implied_steps", "proposer_person"):
            batch.drop_column(column)


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _move_out() -> None:
    bind = op.get_bind()
    for request_id, data in bind.execute(sa.select(_requests.c.id, _requests.c.data)).all():
        data = dict(data or {})
        if not any(key in data for key in MOVED):
            continue
        last = data.get("lastStep") or {}
        bind.execute(
            _requests.update()
            .where(_requests.c.id == request_id)
            .values(
                data={k: v for k, v in data.items() if k not in MOVED},
                proposer_person=_text(data.get("proposer")),
                implied_steps=sorted({str(step) for step in data.get("implied") or ()}),
                last_action=_text(last.get("action")),
                last_from_state=_text(last.get("from")),
                last_by=_text(last.get("by")),
            )
        )


def _move_back() -> None:
    bind = op.get_bind()
    columns = _requests.c
    rows = bind.execute(
        sa.select(
            columns.id,
            columns.state,
            columns.version,
            columns.data,
            columns.proposer_person,
            columns.implied_steps,
            columns.last_action,
            columns.last_from_state,
            columns.last_by,
        )
    ).all()
    for request_id, state, version, data, proposer, implied, action, from_state, by in rows:
        if proposer is None and not implied and action is None:
            continue
        data = dict(data or {})
        if proposer is not None:
            data["proposer"] = proposer
        if implied:
            data["implied"] = list(implied)
        if action is not None:
            data["lastStep"] = {"action": action, "from": from_state, "to": state, "by": by, "version": version}
        bind.execute(_requests.update().where(_requests.c.id == request_id).values(data=data))
