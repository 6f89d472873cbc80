"""The group dashboard through NiceGUI's user fixture on a hub the test holds (an in-memory
reader of the hub's read model): only head office signs in; every site's live line with
the stale ones marked in words and on top, changed on the open page as the hub commits and
growing staler with no fact at all; the figures of a day, week or month ranked per measure
and downloaded as CSV; one site's read-only detail; Chinese first, English too."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from nicegui import ui
from nicegui.testing import User

import hub.pushed
from core.config import ConfigError
from hub.shown import BY_KEY, band, marked, ranks
from hub.web import dashboard_secret, register_group_pages
from tests.board_env import RETRIES, sign_in, texts
from tests.group_env import NOW, FakeReader, detail, figures, hub_config, line
from tests.helpers import Clock
from tests.waiting import eventually

SITES = [
    ("SH01", "上海浦东店"),
    ("SH02", "上海闵行店"),
    ("HZ01", "杭州西湖店"),
    ("NJ01", "南京江宁店"),
    ("SZ01", "苏州园区店"),
]


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def reader() -> FakeReader:
    r = FakeReader()
    for site in (
        line("SH01", "上海浦东店", at_risk=0),
        line("SH02", "上海闵行店", silent_min=12),  # stale: 12 min, the rule is 5
        line("HZ01", "杭州西湖店", at_risk=3, devices_offline=1, waiting_dispatch=2),
        line("NJ01", "南京江宁店", silent_min=None, open_jobs=0, bays_busy=0),  # never heard
        line("SZ01", "苏州园区店", at_risk=1, silent_min=3),
    ):
        r.lines[site.site] = site
    r.details["HZ01"] = detail(r.lines["HZ01"])
    r.by_period["day"] = [
        figures("SH01", "上海浦东店", on_time=0.9, first_time_fix=0.95, help_response_seconds=80),
        figures("SH02", "上海闵行店", on_time=0.7, satisfaction=4.2, help_response_seconds=300),
        figures("HZ01", "杭州西湖店", on_time=0.95, first_time_fix=0.9, satisfaction=4.8),
        figures("NJ01", "南京江宁店"),  # nothing delivered: no rates, not ranked
        figures("SZ01", "苏州园区店", on_time=0.9, approval=0.5, help_response_seconds=45),
    ]
    r.by_period["week"] = [
        figures("SH01", "上海浦东店", on_time=0.5),
        figures("HZ01", "杭州西湖店", on_time=0.8),
    ]
    return r


@pytest.fixture
def dashboard(user: User, reader: FakeReader, clock: Clock) -> Iterator[FakeReader]:
    register_group_pages(reader, hub_config(SITES), clock=clock)
    yield reader


async def signed_in(user: User, page: str = "/group", who: str = "HQ01") -> None:
    await sign_in(user, who, page=quote(page, safe="/"))
    await eventually(lambda: user.back_history[-1:] == [page], f"{who} on {page}")


def live_html(user: User) -> str:
    return str(user.find(marker="group-live").elements.pop().content)


def site_order(html: str) -> list[str]:
    return re.findall(r'data-site="([^"]+)"', html)


def row_of(html: str, site: str) -> str:
    found = re.search(rf'<tr [^>]*data-site="{site}".*?</tr>', html)
    assert found, site
    return found.group(0)


# ------------------------------------------------------------------ sign-in
async def test_only_head_office_signs_in(user: User, dashboard: FakeReader) -> None:
    await user.open("/group")
    await user.should_see(marker="login-user", retries=RETRIES)  # a stranger signs in first
    await sign_in(user, "F001", page="/group")  # a site's foreman is nobody here
    await user.should_see("工号或密码不对", retries=RETRIES)
    await sign_in(user, "HQ01", password="wrong", page="/group")
    await user.should_see("工号或密码不对", retries=RETRIES)
    await user.open("/group")
    await user.should_see(marker="login-user", retries=RETRIES)
    await signed_in(user)
    await user.should_see(marker="group-live", retries=RETRIES)
    await user.should_see("陈总 (集团总部)")


async def test_wrong_passwords_are_limited_as_at_the_site(user: User, reader: FakeReader) -> None:
    access = register_group_pages(reader, hub_config(SITES), clock=lambda: NOW)
    for _ in range(5):
        await sign_in(user, "HQ01", password="wrong", page="/group")
        await user.should_see(marker="login-error", retries=RETRIES)
    await sign_in(user, "HQ01", page="/group")  # the right one, too late
    await user.should_see("密码错误次数过多，请 1 分钟后再试", retries=RETRIES)
    lines = [(x["type"], x["payload"]) for x in access.log(20)]
    assert lines[0] == ("signin.locked", {"user": "hq01", "minutes": 1})
    assert [k for k, _ in lines].count("signin.refused") == 5
    assert not access.sessions()


async def test_head_office_signs_out_with_the_headers_button(
    user: User, reader: FakeReader
) -> None:
    access = register_group_pages(reader, hub_config(SITES), clock=lambda: NOW)
    await signed_in(user)
    assert [s.user for s in access.sessions()] == ["HQ01"]
    user.find(marker="logout").click()
    await user.should_see(marker="login-user", retries=RETRIES)
    assert not access.sessions()


# ------------------------------------------------------------------ live lines
async def test_every_site_side_by_side_the_stale_marked_and_on_top(
    user: User, dashboard: FakeReader
) -> None:
    await signed_in(user)
    await user.should_see(marker="group-live", retries=RETRIES)
    html = live_html(user)
    # Never heard and 12 min silent first (longest first), then by cars at risk.
    assert site_order(html) == ["NJ01", "SH02", "HZ01", "SZ01", "SH01"]
    stale = row_of(html, "SH02")
    assert 'class="stale"' in stale and "失联" in stale and "12 分钟前" in stale
    assert "从未收到数据" in row_of(html, "NJ01") and 'class="stale"' in row_of(html, "NJ01")
    ok = row_of(html, "SZ01")
    assert 'class="ok"' in ok and "正常" in ok and "3 分钟前" in ok and "失联" not in ok
    hz = row_of(html, "HZ01")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", hz)
    assert cells[2:] == ["10", "3", "8 / 12", "2", "1", "1 分钟前", "0.8 秒"], cells
    assert 'href="/group/site/HZ01"' in hz
    words = texts(user)
    assert "共 5 家门店 · 2 家失联 · 4 辆车有交车风险" in words
    assert "超过 5 分钟未收到数据的门店标为失联并排在最前" in words


async def test_a_commit_at_the_hub_changes_the_open_page(
    user: User, dashboard: FakeReader, clock: Clock
) -> None:
    await signed_in(user)
    await user.should_see(marker="group-live", retries=RETRIES)
    assert dashboard.listeners == 1
    dashboard.change("SH01", at_risk=7, open_jobs=15)
    await eventually(
        lambda: site_order(live_html(user))[2] == "SH01", "SH01 above the quiet sites", 10
    )
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row_of(live_html(user), "SH01"))
    assert cells[2:4] == ["15", "7"]
    # SH02 is heard again: no longer stale, down among the others.
    dashboard.change("SH02", last_heard=clock.now)
    await eventually(
        lambda: 'class="ok"' in row_of(live_html(user), "SH02"), "SH02 heard again", 10
    )
    assert site_order(live_html(user))[0] == "NJ01"
    assert "1 家失联" in texts(user)


async def test_a_silent_site_turns_stale_with_no_fact_at_all(
    user: User, dashboard: FakeReader, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub.pushed, "TICK_SECONDS", 0.2)
    await signed_in(user)
    await user.should_see(marker="group-live", retries=RETRIES)
    assert 'class="ok"' in row_of(live_html(user), "SZ01")
    clock.advance(minutes=3)  # SZ01 silent for 6 min now, nothing committed
    await eventually(lambda: 'class="stale"' in row_of(live_html(user), "SZ01"), "stale", 10)
    assert "6 分钟前" in row_of(live_html(user), "SZ01")
    assert site_order(live_html(user))[:3] == ["NJ01", "SH02", "SZ01"]


async def test_the_page_stops_listening_when_it_closes(user: User, dashboard: FakeReader) -> None:
    await signed_in(user)
    page = await user.open("/group")
    await user.should_see(marker="group-live", retries=RETRIES)
    assert dashboard.listeners == 2  # the page the sign-in led to, and this one
    page.delete()  # its browser gone
    await eventually(lambda: dashboard.listeners == 1, "the closed page's listener gone", 10)


# ------------------------------------------------------------------ figures
def table_rows(user: User) -> list[dict[str, object]]:
    return list(user.find(marker="figures").elements.pop().rows)


async def test_figures_of_a_day_ranked_per_measure(user: User, dashboard: FakeReader) -> None:
    await signed_in(user, "/group/figures")
    await user.should_see(marker="figures", retries=RETRIES)
    assert dashboard.asked[-1] == ("day", date(2026, 12, 5))  # today in Shanghai
    rows = table_rows(user)
    # By on-time delivery, best first; the tie shares a place; no figure, no place, last.
    assert [r["site"] for r in rows] == ["HZ01", "SH01", "SZ01", "SH02", "NJ01"]
    assert [r["on_time_rank"] for r in rows] == [1, 2, 2, 4, None]
    assert rows[0]["on_time_text"] == "95 %（第 1 名）"
    assert rows[-1]["on_time_text"] == "—" and rows[-1]["on_time_band"] == ""
    assert rows[0]["on_time_band"] == "top" and rows[3]["on_time_band"] == "bottom"
    by_site = {r["site"]: r for r in rows}
    # Bay-call response: the shortest is best.
    assert by_site["SZ01"]["help_response_rank"] == 1
    assert by_site["SH02"]["help_response_rank"] == 3
    assert by_site["SZ01"]["help_response_text"] == "45 秒（第 1 名）"
    assert by_site["SH02"]["help_response_text"] == "5 分钟（第 3 名）"
    assert by_site["HZ01"]["satisfaction_text"] == "4.80（第 1 名）"
    words = texts(user)
    assert "2026-12-05 至 2026-12-05" in words and "前列" in words and "末位" in words


async def test_the_week_and_another_measure(user: User, dashboard: FakeReader) -> None:
    await signed_in(user, "/group/figures?period=week&day=2026-12-03")
    await user.should_see(marker="figures", retries=RETRIES)
    assert dashboard.asked[-1] == ("week", date(2026, 12, 3))
    assert [r["site"] for r in table_rows(user)] == ["HZ01", "SH01"]
    assert "2026-11-30 至 2026-12-06" in texts(user)  # the ISO week, Monday on
    # The toggle goes to the month of the same day.
    user.find(marker="period").elements.pop().set_value("month")
    await eventually(lambda: dashboard.asked[-1] == ("month", date(2026, 12, 3)), "month", 10)
    await user.should_see("2026-12-01 至 2026-12-31", retries=RETRIES)


async def test_ranking_by_another_measure_orders_the_table(
    user: User, dashboard: FakeReader
) -> None:
    await signed_in(user, "/group/figures?by=help_response")
    await user.should_see(marker="figures", retries=RETRIES)
    assert [r["site"] for r in table_rows(user)][:3] == ["SZ01", "SH01", "SH02"]


async def test_the_figures_download_as_csv(user: User, dashboard: FakeReader) -> None:
    await signed_in(user, "/group/figures")
    await user.should_see(marker="csv", retries=RETRIES)
    user.find(marker="csv").click()
    response = await user.download.next()
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheets then read the Chinese right
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    head = rows[0]
    assert head[:5] == ["门店编号", "门店", "天数", "接车", "交车"]
    assert head[5:7] == ["准时交车率 (%)", "准时交车率 名次"]
    assert "安灯响应时间 (秒)" in head
    by_site = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert set(by_site) == {s for s, _ in SITES}
    assert by_site["HZ01"]["准时交车率 (%)"] == "95.0"
    assert by_site["HZ01"]["准时交车率 名次"] == "1"
    assert by_site["NJ01"]["准时交车率 (%)"] == "" and by_site["NJ01"]["准时交车率 名次"] == ""
    assert by_site["SZ01"]["安灯响应时间 (秒)"] == "45"


# ------------------------------------------------------------------ one site
async def test_a_sites_detail_is_read_only(user: User, dashboard: FakeReader, clock: Clock) -> None:
    await signed_in(user, "/group/site/HZ01")
    await user.should_see(marker="site-jobs", retries=RETRIES)
    jobs = str(user.find(marker="site-jobs").elements.pop().content)
    assert jobs.index("RO-20261205-0007") < jobs.index("RO-20261205-0009")  # at risk first
    for word in ("沪A·***45", "维修中", "B03", "SA01", "12-05 10:30", "12-05 11:15", "有交车风险"):
        assert word in jobs, word
    assert "已接车" in jobs
    calls = str(user.find(marker="site-help").elements.pop().content)
    call = re.findall(r"<td[^>]*>(.*?)</td>", calls)
    assert call == ["B05", "诊断专家", "等待响应", "1", "7 分钟"]  # the closed call is gone
    await user.should_see("在线 14 台 · 离线 2 台")
    await user.should_see("离线：kiosk-b07, printer-desk")
    today = {
        key: str(user.find(marker=f"today-group.{key}").elements.pop().text)
        for key in ("checked_in", "measure.on_time", "measure.efficiency", "measure.help_response")
    }
    assert today == {
        "checked_in": "23",
        "measure.on_time": "88 %",
        "measure.efficiency": "80 %",
        "measure.help_response": "90 秒",
    }
    line_html = str(user.find(marker="site-line").elements.pop().content)
    assert "3" in line_html and "1 分钟前" in line_html
    # Nothing on it changes anything at the site: the header's language switch and the
    # sign-out are its only buttons.
    buttons = [b for b in user.current_layout.descendants() if isinstance(b, ui.button)]
    assert [b.text for b in buttons] == ["English", "退出"]
    # Pushed too.
    dashboard.change("HZ01", last_heard=clock.now - timedelta(minutes=20))
    await eventually(
        lambda: "失联" in str(user.find(marker="site-line").elements.pop().content),
        "the detail's line stale",
        10,
    )


async def test_an_unknown_site(user: User, dashboard: FakeReader) -> None:
    await signed_in(user, "/group/site/XX99")
    await user.should_see("没有这家门店：XX99", retries=RETRIES)


# ------------------------------------------------------------------ languages
async def test_english_at_the_switch(user: User, dashboard: FakeReader) -> None:
    await signed_in(user, who="HQ02")
    await user.should_see(marker="group-live", retries=RETRIES)
    user.find(marker="language").click()
    await user.should_see("Sites live", retries=RETRIES)
    html = live_html(user)
    assert "Not heard" in row_of(html, "SH02") and "12 min ago" in row_of(html, "SH02")
    assert "Never heard" in row_of(html, "NJ01") and "OK" in row_of(html, "SH01")
    assert "0.8 s" in row_of(html, "SH01")
    assert "失联" not in html
    words = texts(user)
    assert "5 sites · 2 not heard · 4 cars at risk" in words
    assert "Anna Li (Head office)" in words
    await user.open("/group/figures")
    await user.should_see("Figures and ranking", retries=RETRIES)
    rows = table_rows(user)
    assert rows[0]["on_time_text"] == "95 % (#1)"
    await user.open("/group/site/HZ01")
    await user.should_see("Open jobs", retries=RETRIES)
    jobs = str(user.find(marker="site-jobs").elements.pop().content)
    assert "In progress" in jobs and "At risk" in jobs


# ------------------------------------------------------------------ what the pages rest on
def test_a_ranking_skips_sites_without_the_figure_and_colours_a_tenth_at_each_end() -> None:
    many = [figures(f"S{n:03d}", f"店{n}", on_time=n / 460) for n in range(460)]
    many += [figures("NONE", "无数据店")]
    on_time = BY_KEY["on_time"]
    places = ranks(many, on_time)
    assert "NONE" not in places and len(places) == 460
    assert places["S459"] == 1 and places["S000"] == 460
    assert marked(460) == 10 and marked(20) == 2 and marked(5) == 1 and marked(1) == 0
    assert [band(p, 460, 10) for p in (1, 10, 11, 450, 451, 460, None)] == [
        "top",
        "top",
        "",
        "",
        "bottom",
        "bottom",
        "",
    ]
    # Of 20 sites 18 have the figure: the first two and the last two of those 18.
    assert [band(p, 18, marked(20)) for p in (2, 3, 16, 17)] == ["top", "", "", "bottom"]


def test_the_dashboard_refuses_to_start_without_a_session_secret(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = hub_config(SITES)
    monkeypatch.delenv(config.web.secret_env, raising=False)
    with pytest.raises(ConfigError, match="PITBOARD_SESSION_SECRET is not set"):
        dashboard_secret(config, "127.0.0.1")
    with pytest.raises(ConfigError, match=r"only a development run on 127\.0\.0\.1"):
        dashboard_secret(config, "0.0.0.0", development=True)
    assert len(dashboard_secret(config, "127.0.0.1", development=True)) >= 32
    assert "makes one up" in caplog.text
    monkeypatch.setenv(config.web.secret_env, "short")
    with pytest.raises(ConfigError, match="at least 32"):
        dashboard_secret(config, "127.0.0.1", development=True)
    monkeypatch.setenv(config.web.secret_env, "x" * 40)
    assert dashboard_secret(config, "0.0.0.0") == "x" * 40


async def test_nothing_is_served_to_a_stranger(user: User, dashboard: FakeReader) -> None:
    for path in ("/group", "/group/figures?period=week", "/group/site/HZ01"):
        answer = await user.http_client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
    assert (await user.http_client.get("/login")).status_code == 200
