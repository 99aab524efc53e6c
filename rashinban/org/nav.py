"""What the navigation bar offers a user — derived from the permission table (``org.roles``).

One entry per page: the permission its page needs and whether it belongs to an agency
scope's own view.  A user signed in on an agency team as partner or viewer (their home is the
agency report, #16 item 2) is offered the agency report, its downloads and only the pages
marked ``agency`` their role may use; everyone else the company pages their role may use.
An item is only offered when its page answers the user (tests/web_read/test_nav.py walks
every link of every role).
"""

from __future__ import annotations

from dataclasses import dataclass

from rashinban.org.roles import Permission, Role, allowed


@dataclass(frozen=True)
class NavItem:
    href: str
    key: str  # the label's i18n key under ``web.``
    permission: Permission
    agency: bool = False  # offered in an agency scope's own view too


NAV: tuple[NavItem, ...] = (
    NavItem("/", "nav_home", Permission.READ),
    NavItem("/tree", "nav_tree", Permission.READ),
    NavItem("/teams", "nav_teams", Permission.READ),
    NavItem("/funnel", "nav_funnel", Permission.READ),
    NavItem("/breakdown", "nav_breakdown", Permission.READ),
    NavItem("/forecast", "nav_forecast", Permission.READ),
    NavItem("/insights", "nav_insights", Permission.READ),
    NavItem("/log", "nav_log", Permission.LOG_ACTIVITY, agency=True),
    NavItem("/manual", "nav_manual", Permission.READ),
    NavItem("/import", "nav_import", Permission.IMPORT),
    NavItem("/planning", "nav_planning", Permission.PLAN),
    NavItem("/reviews", "nav_reviews", Permission.READ),
    NavItem("/alerts", "nav_alerts", Permission.READ),
    NavItem("/admin", "nav_admin", Permission.ADMINISTER),
)


class _User:
    def __init__(self, role: str) -> None:
        self.role = role


def nav_items(role: str | Role | None, agency_team: int | None = None) -> list[tuple[str, str]]:
    """(href, i18n key) of the pages offered to ``role``; ``agency_team``: the agency team
    whose own view the user is confined to (None: the company's pages)."""
    if role is None:
        return []
    user = _User(str(role))
    if agency_team is not None:
        base = f"/agency/{agency_team}"
        own = [(base, "nav_agency"), (f"{base}/report.pdf", "nav_agency_pdf")]
        own.append((f"{base}/report.xlsx", "nav_agency_xlsx"))
        return own + [(i.href, i.key) for i in NAV if i.agency and allowed(user, i.permission)]
    return [(i.href, i.key) for i in NAV if allowed(user, i.permission)]


__all__ = ["NAV", "NavItem", "nav_items"]
