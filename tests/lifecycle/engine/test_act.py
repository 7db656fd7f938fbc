"""Acting's pure parts: the order writes are sent in."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from lifecycle.engine.act import _interleaved
from lifecycle.model.calls import Call
from lifecycle.model.observation import Dependent

regions = st.sampled_from(["us-east-1", "eu-west-1", "us-west-2", "ap-south-1"])


def pair(region: str, n: int) -> tuple[Dependent, Call]:
    dependent = Dependent(region, "playback-configuration", f"c{n}", f"arn:{n}", True)
    return dependent, Call("mediatailor", "ConfigureLogsForPlaybackConfiguration", region, {})


@given(st.lists(regions, max_size=60))
def test_writes_take_turns_by_region_and_none_is_lost(order: list[str]) -> None:
    pairs = [pair(region, n) for n, region in enumerate(order)]
    sent = _interleaved(pairs)
    assert sorted(id(p) for p in sent) == sorted(id(p) for p in pairs)
    # Within a region, the order is kept.
    for region in set(order):
        assert [p for p in sent if p[1].region == region] == [
            p for p in pairs if p[1].region == region
        ]
    # Each prefix holds every region about equally, as far as each region has writes.
    left = Counter(order)
    for i in range(1, len(sent)):
        if sent[i][1].region == sent[i - 1][1].region:
            # only when no other region has a write left
            later = {p[1].region for p in sent[i:]}
            assert later == {sent[i][1].region}
    assert sum(left.values()) == len(sent)
