"""MediaTailor's lists answer short and empty pages while more remain (DynamoDB-style), the same
pages every time, and a walk to the end yields every item once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from localaws import LocalAWS

ClientFactory = Callable[..., Any]

OUTPUTS = [{"ManifestName": "index", "SourceGroup": "hls", "HlsPlaylistSettings": {}}]


@pytest.fixture
def mediatailor(client: ClientFactory) -> Any:
    return client("mediatailor")


def walk(list_page: Callable[..., dict[str, Any]], max_results: int) -> list[dict[str, Any]]:
    """Every page, following NextToken by hand (no paginator hides a page)."""
    pages = [list_page(MaxResults=max_results)]
    while "NextToken" in pages[-1]:
        pages.append(list_page(MaxResults=max_results, NextToken=pages[-1]["NextToken"]))
    return pages


def put_configurations(mediatailor: Any, count: int) -> set[str]:
    names = {f"pc-{i:03d}" for i in range(count)}
    for name in names:
        mediatailor.put_playback_configuration(Name=name)
    return names


def test_pages_are_short_and_some_empty_yet_every_item_comes_once(mediatailor: Any) -> None:
    names = put_configurations(mediatailor, 120)
    pages = walk(mediatailor.list_playback_configurations, 10)
    sizes = [len(page["Items"]) for page in pages]
    assert any(size < 10 for size in sizes[:-1])
    assert 0 in sizes
    assert all("NextToken" in page for page in pages[:-1])
    listed = [item["Name"] for page in pages for item in page["Items"]]
    assert sorted(listed) == sorted(names)


def test_the_same_list_pages_the_same_way_every_time(mediatailor: Any) -> None:
    put_configurations(mediatailor, 60)
    first = walk(mediatailor.list_playback_configurations, 20)
    second = walk(mediatailor.list_playback_configurations, 20)
    assert [len(p["Items"]) for p in first] == [len(p["Items"]) for p in second]


def test_channels_page_short_too(mediatailor: Any) -> None:
    names = {f"ch-{i:02d}" for i in range(40)}
    for name in names:
        mediatailor.create_channel(ChannelName=name, Outputs=OUTPUTS, PlaybackMode="LOOP")
    pages = walk(mediatailor.list_channels, 10)
    assert any(len(page["Items"]) < 10 for page in pages[:-1])
    assert sorted(i["ChannelName"] for p in pages for i in p["Items"]) == sorted(names)


def test_an_empty_list_is_one_page_without_a_token(mediatailor: Any) -> None:
    [page] = walk(mediatailor.list_playback_configurations, 5)
    assert page["Items"] == []
    assert "NextToken" not in page


def test_boto3s_paginator_reaches_every_item(mediatailor: Any) -> None:
    names = put_configurations(mediatailor, 230)
    pages = mediatailor.get_paginator("list_playback_configurations").paginate()
    assert sorted(item["Name"] for page in pages for item in page["Items"]) == sorted(names)


def test_with_the_setting_off_pages_are_full(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_settings(short_pages=False)
    put_configurations(mediatailor, 25)
    assert [len(p["Items"]) for p in walk(mediatailor.list_playback_configurations, 10)] == [
        10,
        10,
        5,
    ]
