"""axe-core (vendored under tests/browser/vendor/, MPL-2.0) finds no serious or critical
accessibility violation on any page, signed in as the admin and as a rep, in Japanese and in
English, at 1280 px (#16 item 7).

axe is evaluated through the DevTools protocol (``page.evaluate``), which the page's strict
Content-Security-Policy does not govern, so the product's policy stays as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import Live, signed_in_page
from tests.browser.test_csp import PAGES

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# the pages of the navigation that test_csp.py does not walk
MORE_PAGES = ("/breakdown", "/forecast", "/insights", "/manual", "/reviews", "/alerts")
REP_PAGES = ("/", "/tree", "/teams", "/funnel", "/log", "/alerts", "/account")
BLOCKING = ("serious", "critical")

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(
      n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\\s+/g, ' ')),
    count: v.nodes.length,
  }));
}"""


def _violations(page: object, path: str, lang: str) -> list[str]:
    sep = "&" if "?" in path else "?"
    response = page.goto(f"{path}{sep}lang={lang}")  # type: ignore[attr-defined]
    assert response is not None and response.status == 200, (path, lang, response and response.status)
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")  # type: ignore[attr-defined]
    found = page.evaluate(RUN_AXE)  # type: ignore[attr-defined]
    lines = []
    for v in found:
        if v["impact"] in BLOCKING:
            head = f"{lang} {path}: [{v['impact']}] {v['id']} — {v['help']} ({v['count']} nodes)"
            lines.append("\n    ".join([head, *v["nodes"]]))
    return lines


@pytest.mark.parametrize(
    ("username", "pages"),
    [("admin", PAGES + MORE_PAGES), ("rep001", REP_PAGES)],
    ids=["admin", "rep"],
)
def test_no_serious_violation_on_any_page(browser, live: Live, username: str, pages: tuple[str, ...]) -> None:
    page = signed_in_page(browser, live, username)
    try:
        problems: list[str] = []
        page.goto("/")
        drill = page.get_by_test_id("drill").first.get_attribute("href")  # /records behind a figure
        assert drill and drill.startswith("/records?")
        pages = (*pages, drill)
        for lang in ("ja", "en"):
            for path in pages:
                problems += _violations(page, path, lang)
        assert not problems, f"{len(problems)} serious/critical axe violations:\n" + "\n".join(problems)
    finally:
        page.context.close()


def test_login_page_has_no_serious_violation(page, live: Live) -> None:
    problems = _violations(page, "/login", "ja") + _violations(page, "/login", "en")
    assert not problems, "\n".join(problems)
