"""The hybrid feed with its timelines in a three-node Redis Cluster (started by the test
session): fan-out grouped per node, rebuilds, and the model-based equality check."""

from __future__ import annotations

import pytest

from tests.conftest import CLUSTER_PROFILE
from tests.integration.test_hybrid_feed import (  # noqa: F401 - collected here again
    test_a_lost_timeline_is_served_from_the_database_and_rebuilt,
    test_after_any_history_the_hybrid_feed_equals_the_database_feed,
    test_celebrities_are_pulled_and_crossing_back_loses_nothing,
    test_fan_out_puts_the_post_in_every_follower_timeline,
)


@pytest.fixture(params=[CLUSTER_PROFILE])
def profile(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"celebrity_threshold": 3, "timeline_max": 10}
