"""What every resolver gets: the database, the settings, the viewer and their scopes, today's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from strawberry.types import Info as StrawberryInfo

from policies.scope import ReadScope, registry_scope
from policies.viewer import Viewer
from server.clock import service_now
from server.db import Database
from server.registry.queries import UnitCondition
from server.settings import Settings

if TYPE_CHECKING:
    from schema.plan.settled import Outcome


@dataclass
class Context:
    db: Database
    settings: Settings
    viewer: Viewer
    correlation_id: str  # this HTTP request's or WebSocket operation's id in logs and audit events
    today: dt.date = field(default_factory=dt.date.today)
    # Root fields the compiled path already answered or ran, by response key, for graphql-core to answer from
    # when the compiled path hands it the operation (schema/plan/settled.py): a command never runs twice.
    settled: dict[str, Outcome] = field(default_factory=dict)
    # The compiled path (schema/plan) answers the queries and the commands it covers; tests switch it off to compare.
    compiled_reads: ClassVar[bool] = True
    compiled_commands: ClassVar[bool] = True

    @cached_property
    def now(self) -> dt.datetime:
        """This moment on the service's day (``server.clock.service_now``), fixed for the whole request."""
        return service_now(self.today)

    @cached_property
    def people_scope(self) -> ReadScope:
        """Computed once per request: the units whose people the viewer may see."""
        return registry_scope(self.viewer)

    @property
    def people_visible(self) -> UnitCondition | None:
        """The SQL condition on a unit id column limiting people to the scope (None: everything)."""
        scope = self.people_scope
        return None if scope.everything else scope.units_clause


Info = StrawberryInfo[Context, None]
