"""The KPI tree page (ECharts, from /api/tree) and the node detail partial."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from rashinban.web.dashkit import NodeId, PeriodQ, ScopeQ, dash_helpers, model_path
from rashinban.web.deps import PageCtx
from rashinban.web.templating import render

router = APIRouter()


@router.get("/tree", include_in_schema=False)
def tree_page(ctx: PageCtx, period: PeriodQ = None, scope: ScopeQ = None) -> Response:
    data = ctx.service.dashboard_tree(model_path(ctx), period, scope)
    teams = ctx.service.dashboard_scopes(model_path(ctx))
    return render(ctx, "dash/tree.html", d=data, scopes=teams, **dash_helpers(ctx.lang))


@router.get("/tree/nodes/{node}", include_in_schema=False)
def node_detail(ctx: PageCtx, node: NodeId, period: PeriodQ = None, scope: ScopeQ = None) -> Response:
    data = ctx.service.dashboard_node(model_path(ctx), node, period, scope)
    return render(ctx, "dash/node_detail.html", d=data, **dash_helpers(ctx.lang))
