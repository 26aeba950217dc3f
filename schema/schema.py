"""The strawberry schema: root types merged from each concept's module, with limits and the error mask."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema.admin import AdminMutation
from schema.audit import AuditQuery
from schema.bulk import BulkMutation
from schema.core_schema import graphql_schema
from schema.cost import CostModel, FragmentExpansionGuard, QueryCostLimiter
from schema.deadlines import DeadlinesQuery
from schema.descriptions import describe
from schema.eligibility import EligibilityQuery
from schema.errors import AsnflowMaskErrors, should_mask
from schema.execution import AsnflowExecutionContext
from schema.extension_group import grouped
from schema.inbox import InboxQuery
from schema.metrics import MetricsExtension, OperationLabels
from schema.node import NodeQuery
from schema.planning import PlanningQuery
from schema.public_statistics import PublicStatisticsQuery
from schema.records import RecordsMutation
from schema.registry import RegistryQuery
from schema.registry_mutations import RegistryMutation
from schema.scalars import SCALAR_OVERRIDES
from schema.staff_lists import StaffListsQuery
from schema.subscriptions import Subscription, SubscriptionsOverWebSocket
from schema.suggestions import SuggestionFreeValidation, suggestion_free
from schema.talent import TalentQuery
from schema.workflows import WorkflowMutation, WorkflowQuery
from schema.workforce import WorkforceMutation, WorkforceQuery
from server.settings import Settings

Query = merge_types(
    "Query",
    (
        RegistryQuery,
        WorkflowQuery,
        InboxQuery,
        EligibilityQuery,
        StaffListsQuery,
        PlanningQuery,
        AuditQuery,
        NodeQuery,
        TalentQuery,
        PublicStatisticsQuery,
        DeadlinesQuery,
        WorkforceQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (WorkflowMutation, RegistryMutation, RecordsMutation, WorkforceMutation, AdminMutation, BulkMutation),
)


def build_schema(settings: Settings) -> strawberry.Schema:
    # The limiters are built once and shared: each instance makes its own validation-rule classes,
    # and ValidationCache keys on those classes, so one instance per request never hits the cache.
    depth = QueryDepthLimiter(max_depth=settings.max_query_depth)
    aliases = MaxAliasesLimiter(max_alias_count=settings.max_aliases)
    labels = OperationLabels(settings.metric_operations)
    cost = CostModel(default_page=settings.default_page_size, max_page=settings.max_page_size)
    # One ExtensionGroup runs them all, in this order (schema/extension_group.py: strawberry's per-hook
    # preparation of ten extensions was a third of a trivial query's CPU).
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: depth,
        lambda: aliases,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=settings.cache_size),
        lambda: FragmentExpansionGuard(max_fields=settings.max_query_cost),  # before validation
        lambda: SuggestionFreeValidation(settings.cache_size, hide_suggestions=settings.production),
        lambda: QueryCostLimiter(max_cost=settings.max_query_cost, model=cost),
        lambda: AsnflowMaskErrors(should_mask_error=should_mask),
        lambda: MetricsExtension(labels),
        SubscriptionsOverWebSocket,
    ]
    if settings.production:
        extensions.append(DisableIntrospection)
    built = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[grouped(extensions)],
        scalar_overrides=SCALAR_OVERRIDES,  # type: ignore[arg-type]
        config=StrawberryConfig(disable_field_suggestions=settings.production),
        execution_context_class=suggestion_free(AsnflowExecutionContext)
        if settings.production
        else AsnflowExecutionContext,
    )
    describe(graphql_schema(built))
    return built


schema = build_schema(Settings())
