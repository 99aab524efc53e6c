"""The deal page /records/deals/{id} and the customer (account) page /customers/{id} a
drill-down opens, with their JSON twins; a deal or account outside the reader's access is a
404.  (/deals/{id} is the alerts inbox's stalled-deal view, routes/alerts.py.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from rashinban.service import record_results
from rashinban.web.deps import ApiCtx, PageCtx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

DealPage = record_results.DealPage
CustomerPage = record_results.CustomerPage
router = APIRouter()
IdP = Annotated[int, Path(ge=1, le=2**62)]


@router.get(
    "/api/records/deals/{deal_id}",
    summary="One deal: owner, account, amount, stage, its stage history, changes and activities",
    response_model=DealPage,
    responses=error_responses(403, 404),
)
def api_deal(ctx: ApiCtx, deal_id: IdP) -> DealPage:
    return ctx.service.records.deal(deal_id)


@router.get("/records/deals/{deal_id}", include_in_schema=False)
def deal_page(ctx: PageCtx, deal_id: IdP) -> Response:
    return render(ctx, "deal.html", d=ctx.service.records.deal(deal_id))


@router.get(
    "/api/customers/{account_id}",
    summary="One customer (account): its attributes and the deals, leads, contracts, activities in reach",
    response_model=CustomerPage,
    responses=error_responses(403, 404),
)
def api_customer(ctx: ApiCtx, account_id: IdP) -> CustomerPage:
    return ctx.service.records.customer(account_id)


@router.get("/customers/{account_id}", include_in_schema=False)
def customer_page(ctx: PageCtx, account_id: IdP) -> Response:
    return render(ctx, "customer.html", c=ctx.service.records.customer(account_id))
