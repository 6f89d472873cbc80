"""The dealer group in short (bench/group.py with three sites and a short day): real
Mosquitto brokers bridged through links that are cut, headless sites on SQLite, the hub on
PostgreSQL; a quarter of the links cut, a site and the hub and head office's broker killed,
every link down for the evening. Every fact of every site must reach the hub exactly once,
in order, nothing left in an outbox, and each site's orders at the hub as the site has
them."""

from __future__ import annotations

import pytest

from bench.group import render, run


@pytest.mark.mosquitto
@pytest.mark.postgres
@pytest.mark.slow
def test_three_sites_through_cut_links_and_killed_processes_lose_nothing(
    mosquitto_bin: str, postgres_server: str
) -> None:
    result = run(sites=3, speed=720, hours=3, server=postgres_server)
    print(render(result))
    assert result.facts > 100, "a day's work made facts"
    assert result.backlog_facts > 0, "the evening's facts waited in the sites' outboxes"
    assert result.drain_seconds is not None, "the backlog drained"
    assert (result.missing, result.twice, result.out_of_order) == (0, 0, 0)
    assert (result.left_in_outbox, result.jobs_differ) == (0, 0)
    assert result.lag_n > 0 and result.lag_p50_s is not None
    assert result.live_ms_p50 is not None and result.figures_ms_p50 is not None
