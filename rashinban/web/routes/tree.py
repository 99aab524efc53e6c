"""The KPI tree page (ECharts, from /api/tree) and the node detail partial."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from rashinban.web.dashkit import NodeId, PeriodQ, ScopeQ, SpanQ, dash_helpers
from rashinban.web.deps import PageCtx
from rashinban.web.templating import render

router = APIRouter()


@router.get("/tree", include_in_schema=False)
def tree_page(ctx: PageCtx, period: SpanQ = None, scope: ScopeQ = None) -> Response:
    data = ctx.service.dashboards.tree(ctx.model, period, scope)
    teams = ctx.service.dashboards.scopes(ctx.model)
    return render(
        ctx, "dash/tree.html", d=data.model_dump(mode="json"), scopes=teams, **dash_helpers(ctx.lang)
    )


@router.get("/tree/nodes/{node}", include_in_schema=False)
def node_detail(ctx: PageCtx, node: NodeId, period: PeriodQ = None, scope: ScopeQ = None) -> Response:
    data = ctx.service.dashboards.node(ctx.model, node, period, scope)
    return render(ctx, "dash/node_detail.html", d=data.model_dump(mode="json"), **dash_helpers(ctx.lang))
