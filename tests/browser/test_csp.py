"""Under the strict Content-Security-Policy every page still works in a real browser: no
violation is reported, the charts draw, htmx swaps, and the API docs (vendored Swagger UI)
render the operations."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Live, shoot, signed_in_page

pytestmark = pytest.mark.browser

PAGES = (
    "/",
    "/tree",
    "/teams",
    "/funnel",
    "/log",
    "/import",
    "/planning",
    "/admin",
    "/admin/access",
    "/admin/audit",
    "/account",
)


def test_no_page_breaks_the_policy(browser, live: Live) -> None:
    page = signed_in_page(browser, live, "admin")
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "Refused to" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    try:
        for path in PAGES:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            assert "content-security-policy" in response.headers
            page.wait_for_load_state("networkidle")
        page.goto("/tree")
        page.wait_for_selector("canvas", timeout=10_000)  # ECharts draws under the policy
        page.goto("/api/docs")
        page.wait_for_selector(".opblock", timeout=90_000)  # a large document on a busy machine
        assert page.locator(".opblock").count() > 20  # the operations of the OpenAPI document
        shoot(page, "api_docs")
        assert not problems, "\n".join(problems[:20])
    finally:
        page.context.close()
