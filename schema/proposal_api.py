"""The proposal mutations and their inputs, generated from the definitions' ``proposal:`` sections.

Each current definition with a ``proposal.command`` gives one input type (its ``inputs``, in order, plus
``idempotencyKey``) and one mutation that hands the input to ``workflows.proposals.propose``. The names,
field types and descriptions come from the YAML, so ``proposePlacement(input: ProposePlacementInput!)``
keeps its shape, and a new workflow's mutation appears with its definition file (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from schema.context import Info
from schema.types.workflow import RequestPayload
from server.commands import CommandResult
from workflows import catalog, proposals
from workflows.definition import Definition
from workflows.proposal_spec import InputField

Resolver = Callable[..., Awaitable[RequestPayload]]
Payload = Callable[[Info, CommandResult], Awaitable[RequestPayload]]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _field(spec: InputField) -> tuple[Any, Any]:
    """(annotation, strawberry field) of one input."""
    kind: Any = spec.python_type
    if spec.required:
        return kind, strawberry.field(description=spec.description)
    annotation = kind if spec.default is not None else kind | None
    return annotation, strawberry.field(default=spec.default, description=spec.description)


def input_type(definition: Definition) -> type:
    """The strawberry input of ``definition``'s proposal command."""
    spec = definition.proposal
    assert spec.command is not None
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    for item in spec.inputs:
        annotations[_snake(item.name)], namespace[_snake(item.name)] = _field(item)
    annotations["idempotency_key"] = str | None
    namespace["idempotency_key"] = None
    cls = type(spec.command.input, (), namespace)
    return strawberry.input(cls, description=spec.command.input_description)


def _resolver(kind: str, input_cls: type, payload: Payload) -> Resolver:
    async def resolve(self: Any, info: Info, input: Any) -> RequestPayload:
        c = info.context
        fields = dict(vars(input))
        key = fields.pop("idempotency_key", None)
        result = await proposals.propose(c.db, c.viewer, kind, fields, idempotency_key=key, today=c.today)
        return await payload(info, result)

    resolve.__annotations__ = {"self": Any, "info": Info, "input": input_cls, "return": RequestPayload}
    resolve.__name__ = f"resolve_{kind.lower()}"
    return resolve


def proposal_mutations(payload: Payload) -> type:
    """A strawberry type with one mutation per workflow kind that declares a proposal command, in catalog order.
    ``payload`` turns the command's result into the mutation's answer (``schema.workflows``)."""
    namespace: dict[str, Any] = {"__module__": __name__}
    for definition in catalog.current_definitions():
        command = definition.proposal.command
        if command is None:
            continue
        resolver = _resolver(definition.kind, input_type(definition), payload)
        namespace[_snake(command.mutation)] = strawberry.mutation(
            resolver, name=command.mutation, description=command.description
        )
    return strawberry.type(type("ProposalMutation", (), namespace))
