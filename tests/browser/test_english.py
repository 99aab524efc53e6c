"""The English UI has no Japanese left outside user data (#16 item 5), charts read money as
the cards do, the month not over yet is marked on trends, and the first sign-in takes the
browser's language as the user's choice.

User data is what the organisation wrote: the names of teams, members, users, customers,
deals, products, models and experiments, activity subjects, industries, regions, lost
reasons, and the model's own texts (a node's name without an English one, definitions).
They are read with plain SQL from a copy of the live store and removed from the page's text
(with elements marked ``data-user``, and language names in their own language,
``lang="ja"``) before the page is scanned.  The stage names of the system's default funnel
are *not* user data: the deals carry them, the pages must show them in English.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rashinban.i18n import format as fmt
from tests.browser.conftest import PASSWORD, Live, _context, api_client, login, signed_in_page

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
USERS = ("admin", "manager", "rep001", "partner")
# pages the navigation leads to through a page's own links (sub-navigation), besides the bar
SKIP = re.compile(
    r"^/(logout|lang/|api/|static/|docs|openapi|reports/)|\.(pdf|xlsx|csv|html)(\?|$)|/report\."
)
MAX_PAGES = 45
STATUS_COLOURS = {"on_track": "#12b76a", "behind": "#f79009", "at_risk": "#d92d20", "none": "#98a2b3"}

TEXTS = """() => {
  const body = document.body.cloneNode(true);
  const drop = '[data-user], [lang="ja"], script, style, template, noscript';
  body.querySelectorAll(drop).forEach(e => e.remove());
  const out = [];
  const walk = document.createTreeWalker(body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    if (n.nodeType === Node.TEXT_NODE) {
      const text = n.textContent.trim();
      if (text) out.push([n.parentElement.tagName.toLowerCase(), text]);
    } else {
      for (const a of ['title', 'aria-label', 'placeholder', 'alt']) {
        const v = n.getAttribute(a);
        if (v) out.push([n.tagName.toLowerCase() + '@' + a, v]);
      }
    }
  }
  return out;
}"""

LINKS = (
    """() => Array.from(document.querySelectorAll('main a[href^="/"]')).map(a => a.getAttribute('href'))"""
)


def _store_copy(live: Live, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "english.duckdb"
    shutil.copyfile(live.db, copy)
    wal = live.db.with_name(live.db.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    return copy


def _model_texts(body: str) -> set[str]:
    """The texts of a stored model the organisation wrote (a node's name only when it has no
    English one: a Japanese name shown beside an English one would be a bug)."""
    out: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, str) and k in (
                    "definition",
                    "description",
                    "title",
                    "client",
                    "note",
                    "owner",
                ):
                    out.add(v)
                if k == "name" and isinstance(v, str) and not node.get("name_en"):
                    out.add(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(yaml.safe_load(body))
    return out


@pytest.fixture(scope="module")
def user_data(live: Live, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    import duckdb

    copy = _store_copy(live, tmp_path_factory.mktemp("english"))
    con = duckdb.connect(str(copy), read_only=True)
    columns = {
        "accounts": ("name", "industry", "region"),
        "activities": ("subject",),
        "deals": ("name", "lost_reason"),
        "experiments": ("experiment", "variant"),
        "kpi_models": ("name",),
        "members": ("name",),
        "products": ("name", "series"),
        "teams": ("name", "client"),
        "users": ("display_name", "username"),
    }
    found: set[str] = set()
    try:
        have = {
            (t, c)
            for t, c in con.execute(
                "select table_name, column_name from information_schema.columns"
            ).fetchall()
        }
        for table, cols in columns.items():
            for col in cols:
                if (table, col) in have:
                    found |= {
                        str(v)
                        for (v,) in con.execute(f'select distinct "{col}" from "{table}"').fetchall()
                        if v
                    }
        for (body,) in con.execute("select body from kpi_models").fetchall():
            found |= _model_texts(body)
    finally:
        con.close()
    # the longest first, so that a name inside a longer name does not leave a remainder
    return sorted((s for s in found if CJK.search(s)), key=len, reverse=True)


def _japanese_left(page: Any, data: list[str]) -> list[str]:
    problems = []
    for where, text in page.evaluate(TEXTS):
        rest = text
        for s in data:
            if s in rest:
                rest = rest.replace(s, " ")
        if CJK.search(rest):
            problems.append(f"{where}: {text[:120]!r}")
    return problems


def _page_key(href: str) -> str:
    path = href.split("#", 1)[0].split("?", 1)[0]
    return re.sub(r"/\d+", "/{id}", path)


def _english_page(browser: Any, live: Live, username: str) -> Any:
    page = signed_in_page(browser, live, username)
    page.goto("/lang/en?next=/")  # the user's choice for this session: English
    assert page.evaluate("document.documentElement.lang") == "en"
    return page


@pytest.mark.parametrize("username", USERS)
def test_english_pages_have_no_japanese_outside_user_data(
    browser: Any, live: Live, user_data: list[str], username: str
) -> None:
    page = _english_page(browser, live, username)
    try:
        todo = [
            h for h in page.eval_on_selector_all("nav.nav a", "els => els.map(e => e.getAttribute('href'))")
        ]
        todo += ["/account"]
        seen: set[str] = set()
        visited: list[str] = []
        problems: dict[str, list[str]] = {}
        nav = set(todo)
        while todo and len(visited) < MAX_PAGES:
            href = todo.pop(0)
            key = _page_key(href)
            if key in seen or SKIP.search(href):
                continue
            seen.add(key)
            response = page.goto(href)
            if response is None or response.status != 200:
                assert href not in nav or (response is not None and response.status == 403), (href, response)
                continue
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.lang") == "en", href
            visited.append(href)
            if found := _japanese_left(page, user_data):
                problems[href] = found
            if href in nav:  # one level below the navigation: the pages' own links
                todo += [h for h in page.evaluate(LINKS) if _page_key(h) not in seen]
        # a partner's navigation is their agency's own view (org/nav.py): its report, the log, the account
        assert len(visited) >= (3 if username == "partner" else 5), visited
        report = "\n".join(f"{h}:\n    " + "\n    ".join(p[:15]) for h, p in problems.items())
        assert not problems, f"Japanese on English pages of {username} (visited {len(visited)}):\n{report}"
    finally:
        page.context.close()


# values around every boundary the formatters switch at, and a few odd ones
AXIS_VALUES = [
    0,
    1,
    2.5,
    999,
    1000,
    1500,
    9999,
    10_000,
    12_345.6,
    25_000,
    99_999,
    100_000,
    950_000,
    999_999,
    1_000_000,
    1_250_000,
    10_000_000,
    12_250_000,
    99_950_000,
    100_000_000,
    165_965_564,
    300_000_000,
    316_600_000,
    999_999_999,
    1_000_000_000,
    1_500_000_000,
    12_345_678_901,
    -25_000,
    -3_300_000,
]


def test_chart_numbers_follow_the_python_formatter(browser: Any, live: Live) -> None:
    """static/format.js (axis ticks, tooltips) gives exactly what i18n/format.py gives, in
    both languages; English axes read ¥300M, never 3.000M."""
    page = signed_in_page(browser, live, "admin")
    try:
        page.goto("/")
        page.wait_for_function("() => window.RashinbanFormat !== undefined")
        for lang in ("ja", "en"):
            for unit in ("yen", "count", "ratio"):
                values = AXIS_VALUES if unit != "ratio" else [0, 0.05, 0.125, 0.333, 1, 1.2]
                js = page.evaluate(
                    "([vs, u, l]) => vs.map(v => window.RashinbanFormat.axis(v, u, l))", [values, unit, lang]
                )
                assert js == [fmt.axis_value(v, unit, lang) for v in values], (lang, unit)
            cards = page.evaluate(
                "([vs, l]) => vs.map(v => window.RashinbanFormat.card(v, 'yen', l))", [AXIS_VALUES, lang]
            )
            assert cards == [fmt.short_value(v, "yen", lang) for v in AXIS_VALUES], lang
        assert page.evaluate("window.RashinbanFormat.axis(300000000, 'yen', 'en')") == "¥300M"
        assert page.evaluate("window.RashinbanFormat.axis(316600000, 'yen', 'ja')") == "3億1,660万円"
    finally:
        page.context.close()


def _trend_chart(page: Any, selector: str) -> dict[str, Any]:
    page.wait_for_selector(f"{selector}[data-ready=true]")
    return page.evaluate(
        """(sel) => {
          const el = document.querySelector(sel);
          const o = window.echarts.getInstanceByDom(el).getOption();
          const fmt = o.yAxis[0].axisLabel.formatter;
          return {
            partial: Number(el.getAttribute('data-partial-index')),
            periods: o.xAxis[0].data,
            series: o.series.map(s => ({
              name: s.name, dashed: !!(s.lineStyle && s.lineStyle.type === 'dashed'),
              data: s.data.map(d => d == null ? null : (typeof d === 'object' ? {
                value: d.value, symbol: d.symbol || null, color: (d.itemStyle && d.itemStyle.color) || null,
                label: d.label && d.label.show ? d.label.formatter : null
              } : {value: d, symbol: null, label: null}))
            })),
            ticks: [fmt(300000000), fmt(15000000)],
          };
        }""",
        selector,
    )


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_month_not_over_is_marked_on_the_trend(browser: Any, live: Live, lang: str) -> None:
    """The team page's trend: every finished month on the solid line, the current month (the
    page's JSON twin says partial) only on a dashed segment, hollow and labelled to date / 途中;
    the trend table marks it too."""
    team = live.users["manager"]["team_id"]
    with api_client(live) as api:
        twin = api.get(f"/api/teams/{team}?lang={lang}").json()
    trend = twin["trend"]
    partial = [i for i, p in enumerate(trend) if p["partial"]]
    assert partial == [len(trend) - 1], [p["period"] for p in trend if p["partial"]]
    assert twin["as_of"][:7] == trend[-1]["period"]  # today falls in the last month
    page = signed_in_page(browser, live, "admin")
    try:
        page.goto(f"/teams/{team}?lang={lang}")
        chart = _trend_chart(page, "[data-testid=trend-chart]")
        assert chart["periods"] == [p["period"] for p in trend]
        actual = "Actual" if lang == "en" else "実績"
        solid, dashed = (
            [s for s in chart["series"] if s["name"] == actual and not s["dashed"]],
            [s for s in chart["series"] if s["name"] == actual and s["dashed"]],
        )
        assert len(solid) == 1 and len(dashed) == 1
        last = len(trend) - 1
        if trend[last]["actual"] is not None:
            assert chart["partial"] == last
            assert solid[0]["data"][last] is None  # not on the solid line
            point = dashed[0]["data"][last]
            assert point["value"] == pytest.approx(trend[last]["actual"])
            assert point["symbol"] == "emptyCircle"
            # hollow, stroked in its status colour (a white stroke would not show)
            assert point["color"] == STATUS_COLOURS[trend[last]["status"] or "none"]
            assert point["label"] == ("to date" if lang == "en" else "途中")
            assert [d is not None for d in dashed[0]["data"]].count(True) == 2  # the previous month and it
        for i in range(last):
            got = solid[0]["data"][i]
            assert (got["value"] if got else None) == (
                pytest.approx(trend[i]["actual"]) if trend[i]["actual"] is not None else None
            )
        assert chart["ticks"] == [
            fmt.axis_value(300_000_000, "yen", lang),
            fmt.axis_value(15_000_000, "yen", lang),
        ]
        marked = page.locator("tr[data-partial=true]")
        if marked.count():  # the trend table (node detail) marks the month as well
            assert ("to date" if lang == "en" else "途中") in marked.first.inner_text()
    finally:
        page.context.close()


@pytest.fixture
def fresh_user(live: Live) -> Iterator[str]:
    """A user the admin just created (no language stored yet)."""
    import uuid

    name = f"newrep{uuid.uuid4().hex[:6]}"
    with api_client(live) as api:
        r = api.post(
            "/api/admin/users",
            json={
                "username": name,
                "password": PASSWORD,
                "role": "member",
                "member_id": live.users["rep001"]["member_id"],
            },
        )
        assert r.status_code == 201, r.text
    yield name


def _stored_locale(live: Live, username: str, folder: Path) -> str | None:
    import duckdb

    con = duckdb.connect(str(_store_copy(live, folder)), read_only=True)
    try:
        row = con.execute("select locale from users where username = ?", [username]).fetchone()
    finally:
        con.close()
    assert row is not None
    return row[0]


def test_first_sign_in_takes_the_browsers_language(
    browser: Any, live: Live, fresh_user: str, tmp_path: Path
) -> None:
    """An en-US browser signs a new user in: the page is English and English is stored as
    their choice; the same user later in a Japanese browser still reads English (their choice
    wins over the browser's)."""
    assert _stored_locale(live, fresh_user, tmp_path / "a") is None
    ctx = browser.new_context(base_url=live.url, locale="en-US")  # Accept-Language from the locale
    try:
        page = ctx.new_page()
        login(page, fresh_user)
        assert page.evaluate("document.documentElement.lang") == "en"
        assert "Dashboard" in page.inner_text("nav.nav") or "Home" in page.inner_text("nav.nav")
    finally:
        ctx.close()
    assert _stored_locale(live, fresh_user, tmp_path / "b") == "en"
    ctx = _context(browser, live, {"width": 1280, "height": 900})  # ja-JP, Accept-Language ja
    try:
        page = ctx.new_page()
        login(page, fresh_user)
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        ctx.close()
    # a user with a stored language keeps it: rep001 (ja) in an en-US browser reads Japanese
    ctx = browser.new_context(base_url=live.url, locale="en-US")
    try:
        page = ctx.new_page()
        login(page, "rep001")
        assert page.evaluate("document.documentElement.lang") == "ja"
    finally:
        ctx.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_forecast_band_names_its_marks_in_the_page_language(browser: Any, live: Live, lang: str) -> None:
    """forecast.js draws a band with the marks named as the template passes them (catalogue
    texts) and the axis in the page's yen style.  The demo stores no forecast (the band needs
    ``rashinban forecast run``), so the band is put into the forecast page as the templates
    write it and wired the way an HTMX swap wires it."""
    from rashinban.i18n import t

    page = signed_in_page(browser, live, "admin")
    try:
        page.goto(f"/forecast?lang={lang}")
        page.wait_for_function("() => window.echarts !== undefined && window.RashinbanFormat !== undefined")
        labels = {k: t(f"forecast.{k}", lang) for k in ("target", "run_rate", "p10", "p50", "p90")}
        band = {
            "unit": "yen",
            "closed": 1e8,
            "p10": 1.5e8,
            "p50": 2e8,
            "p90": 2.6e8,
            "target": 3e8,
            "run_rate": 2.2e8,
        }
        got = page.evaluate(
            """([band, labels]) => {
              const box = document.createElement('div');
              const el = document.createElement('div');
              el.className = 'forecast-chart';
              el.style.height = '140px';
              el.setAttribute('data-band', JSON.stringify(band));
              el.setAttribute('data-labels', JSON.stringify(labels));
              box.appendChild(el);
              document.querySelector('main').appendChild(box);
              box.dispatchEvent(new CustomEvent('htmx:afterSwap', {bubbles: true}));
              const o = window.echarts.getInstanceByDom(el).getOption();
              const marks = o.series.flatMap(s => (s.markLine && s.markLine.data) || []).map(m => m.name);
              return {marks: marks, tick: o.xAxis[0].axisLabel.formatter(300000000),
                      tip: o.tooltip[0].formatter()};
            }""",
            [band, labels],
        )
        assert got["marks"] == [labels["p50"], labels["target"], labels["run_rate"]]
        assert got["tick"] == fmt.axis_value(300_000_000, "yen", lang)
        assert labels["target"] in got["tip"] and fmt.axis_value(3e8, "yen", lang) in got["tip"]
        if lang == "en":
            assert not CJK.search(" ".join(got["marks"]) + got["tip"])
        else:
            assert "target" not in got["tip"] and "run-rate" not in got["marks"]
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_waterfall_reads_money_as_the_cards(browser: Any, live: Live, lang: str) -> None:
    """The insights page's waterfall (the KGI's change): axis ticks in the page's yen style."""
    page = signed_in_page(browser, live, "admin")
    try:
        page.goto(f"/insights?lang={lang}")
        page.wait_for_selector("[data-chart=waterfall][data-drawn='1']")
        got = page.evaluate(
            """() => {
              const el = document.querySelector('[data-chart=waterfall]');
              const o = window.echarts.getInstanceByDom(el).getOption();
              const tick = o.yAxis[0].axisLabel.formatter;
              return {unit: JSON.parse(el.dataset.waterfall).unit, ticks: [tick(300000000), tick(-25000)]};
            }"""
        )
        assert got["unit"] == "yen"
        assert got["ticks"] == [
            fmt.axis_value(300_000_000, "yen", lang),
            fmt.axis_value(-25_000, "yen", lang),
        ]
    finally:
        page.context.close()
