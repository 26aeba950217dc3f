"""The GraphQL execution context: operations the plan covers are answered by the compiled path.

strawberry takes the executor class as a public constructor argument (``execution_context_class``)
and graphql-core documents ``Executor.build``/``execute_operation`` as its extension point. This
executor asks schema/plan for a plan of the operation; when there is one (and no schema extension
wraps resolvers, which the compiled path would skip), it fetches and completes the result itself.
Wherever the plan cannot answer exactly as graphql-core would (an error, a null in a non-null field,
a refused value) it raises ``Fallback`` and graphql-core executes the operation from the start, so
errors and nulls are graphql-core's own; a command the compiled path already ran is not run again
(schema/plan/settled.py). Nothing of strawberry's or graphql-core's is patched.
"""

from __future__ import annotations

from typing import Any

from graphql import ExecutionResult
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.context import Context
from schema.plan.command import CommandPlan
from schema.plan.compile import Fallback
from schema.plan.plan import AnyPlan, plan_for


class AsnflowExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        plan = self._plan()
        if plan is None:
            return super().execute_operation(serially)
        return self._run(plan, serially)

    def _plan(self) -> AnyPlan | None:
        ctx = self.context_value
        if not isinstance(ctx, Context):
            return None
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return None
        plan = plan_for(self.schema, self.operation)
        on = ctx.compiled_commands if isinstance(plan, CommandPlan) else ctx.compiled_reads
        return plan if on else None

    async def _run(self, plan: AnyPlan, serially: bool | None) -> Any:
        try:
            data = await plan.run(self.context_value, self.variable_values)
        except Fallback:
            result = super().execute_operation(serially)
            return await result if self.is_awaitable(result) else result
        return ExecutionResult(data=data, errors=None)
