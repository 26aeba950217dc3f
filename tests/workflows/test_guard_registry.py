"""A guard's name means one check: registering a second function under a known name is refused at import."""

from __future__ import annotations

import pytest

from workflows import catalog
from workflows.context import StepContext
from workflows.guards import GUARDS, GuardResult, guard


def test_a_second_check_under_a_known_guard_name_is_refused() -> None:
    catalog.all_definitions()  # every guard module registered
    with pytest.raises(ValueError, match="'min_years_in_rank' is registered twice"):

        @guard("min_years_in_rank", "rank_promotion.min_years_in_rank")
        async def min_years_in_rank(ctx: StepContext) -> GuardResult:  # pragma: no cover - never called
            raise AssertionError

    assert GUARDS["min_years_in_rank"].check.__module__ == "workflows.rank_guards"
