"""Production answers name nothing the client did not already write: no "Did you mean ...?".

A suggestion is a way to read the schema with introspection turned off: misspell a field, an
argument, a type, an input field or an enum value and graphql-core names the real ones. Strawberry's
``disable_field_suggestions`` only edits field errors after the fact. graphql-core 3.3 has the
supported switch for all of them, ``hide_suggestions``, at its two entry points: validation (field,
argument, type, input field and enum literal errors) and execution (variables coerced against enum and
input types). ``SuggestionFreeValidation`` validates with it (cached, in place of strawberry's
``ValidationCache``, with the two rules strawberry adds), and ``suggestion_free`` makes an execution
context class that builds every executor with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.core_schema import graphql_schema
from schema.per_document import remembered


@cache
def _cached_validate(maxsize: int, hide_suggestions: bool) -> Callable[..., list[GraphQLError]]:
    def validate_document(
        schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
    ) -> list[GraphQLError]:
        all_rules = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
        return validate(schema, document, all_rules, hide_suggestions=hide_suggestions)

    return lru_cache(maxsize=maxsize)(validate_document)


class SuggestionFreeValidation(SchemaExtension):
    """Strawberry's validation, cached like ``ValidationCache``, with suggestions hidden when asked."""

    def __init__(self, maxsize: int, hide_suggestions: bool) -> None:
        super().__init__()
        self.validate_document = _cached_validate(maxsize, hide_suggestions)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        schema, document, rules = graphql_schema(context.schema), context.graphql_document, context.validation_rules
        if document is None:
            context.pre_execution_errors = self.validate_document(schema, document, rules)
        else:  # the same document object (strawberry's ParserCache): its errors without hashing it again
            context.pre_execution_errors = remembered(
                document,
                ("validation", schema, rules, self.validate_document),
                lambda: self.validate_document(schema, document, rules),
            )
        yield


def suggestion_free(
    base: type[StrawberryGraphQLCoreExecutionContext],
) -> type[StrawberryGraphQLCoreExecutionContext]:
    """``base``, building its executors with ``hide_suggestions`` (variables, enum values at run time)."""

    class SuggestionFree(base):  # type: ignore[valid-type, misc]
        @classmethod
        def build(cls, *args: Any, **kwargs: Any) -> Any:
            kwargs["hide_suggestions"] = True
            return super().build(*args, **kwargs)

    SuggestionFree.__name__ = SuggestionFree.__qualname__ = f"SuggestionFree{base.__name__}"
    return SuggestionFree
