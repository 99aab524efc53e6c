"""The customers active on a day, with what was known about them then, and their label.

A customer is an account with contracts.  At a cutoff day T every customer active at T gets
its features from what was known on T only — tenure, months to the next renewal, MRR, the
last NPS, the mean CSAT and the complaints of the last 12 months, the customer-success
touches of the last 90 days (the store's proxy for usage) — and its label: did it churn
within the next ``horizon`` days?

Many cutoffs are taken of the same facts (monthly training snapshots, the backtest, today),
so the row → customer indices are computed once per :class:`CustomerFacts` (:attr:`index`)
and each snapshot is a few masks and ``bincount``\\ s over all customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

FEATURES = (
    "tenure_months",
    "months_to_renewal",
    "log_mrr",
    "nps",
    "nps_missing",
    "csat",
    "complaints",
    "touches",
)
MONTH_DAYS = 30.4
TOUCH_DAYS = 90.0  # the usage window
SURVEY_DAYS = 365.0  # CSAT and complaints window


@dataclass(frozen=True)
class Index:
    """Row → customer indices (customers: the accounts with contracts, sorted)."""

    accounts: np.ndarray
    contract: np.ndarray  # per contract row: its customer
    by_customer: np.ndarray  # contract rows grouped by customer
    group_start: np.ndarray  # where each customer's rows start in ``by_customer``
    first: np.ndarray  # per customer: its first contract's start
    survey_rows: np.ndarray  # survey rows of customers (original order)
    survey: np.ndarray  # their customer
    survey_day: np.ndarray
    survey_csat: np.ndarray  # 0 when none
    survey_has_csat: np.ndarray  # 1.0 / 0.0
    survey_complaint: np.ndarray  # 1.0 / 0.0
    nps_rows: np.ndarray  # NPS answers of customers by (customer, day, row)
    nps_customer: np.ndarray  # their customer
    nps_day: np.ndarray
    nps_start: np.ndarray  # where each customer's answers start
    touch_day: np.ndarray  # touches of customers, by day
    touch: np.ndarray  # their customer


@dataclass(frozen=True, eq=False)
class CustomerFacts:
    """All days are days since 1970-01-01 (floats, nan for none)."""

    account: np.ndarray  # per contract term
    start: np.ndarray
    end: np.ndarray
    churned: np.ndarray  # the day the customer churned with this term (nan: did not)
    mrr: np.ndarray
    s_account: np.ndarray  # per survey answer
    s_day: np.ndarray
    s_nps: np.ndarray  # score, nan when the answer is a CSAT
    s_csat: np.ndarray
    s_complaint: np.ndarray  # bool
    t_account: np.ndarray  # per customer-success touch
    t_day: np.ndarray

    @cached_property
    def index(self) -> Index:
        accounts = np.unique(self.account)
        contract = np.searchsorted(accounts, self.account)
        by_customer = np.argsort(contract, kind="stable")
        group_start = np.searchsorted(contract[by_customer], np.arange(len(accounts)))
        first = np.minimum.reduceat(self.start[by_customer], group_start) if len(accounts) else np.zeros(0)
        survey_rows, survey = _customers_of(accounts, self.s_account)
        has_nps = ~np.isnan(self.s_nps[survey_rows])
        nps_rows, nps_customer = survey_rows[has_nps], survey[has_nps]
        order = np.lexsort((nps_rows, self.s_day[nps_rows], nps_customer))
        nps_rows, nps_customer = nps_rows[order], nps_customer[order]
        csat = self.s_csat[survey_rows]
        touch_rows, touch = _customers_of(accounts, self.t_account)
        by_day = np.argsort(self.t_day[touch_rows], kind="stable")
        return Index(
            accounts,
            contract,
            by_customer,
            group_start,
            first,
            survey_rows,
            survey,
            self.s_day[survey_rows],
            np.nan_to_num(csat),
            (~np.isnan(csat)).astype(float),
            self.s_complaint[survey_rows].astype(float),
            nps_rows,
            nps_customer,
            self.s_day[nps_rows],
            np.searchsorted(nps_customer, np.arange(len(accounts))),
            self.t_day[touch_rows[by_day]],
            touch[by_day],
        )


def _customers_of(accounts: np.ndarray, of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose account is a customer, and that customer's index (by a lookup table
    over the account ids when they are dense enough, else by binary search)."""
    if not len(accounts) or not len(of):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lo, hi = int(accounts[0]), int(accounts[-1])
    if lo >= 0 and hi < 16 * len(of) + 1_000_000:
        table = np.full(hi + 2, -1, dtype=np.int64)
        table[accounts] = np.arange(len(accounts))
        idx = table[np.clip(of, -1, hi + 1)]  # -1 and beyond the ids land on a -1 entry
        rows = np.nonzero(idx >= 0)[0]
        return rows, idx[rows]
    idx = np.minimum(np.searchsorted(accounts, of), len(accounts) - 1)
    rows = np.nonzero(accounts[idx] == of)[0]
    return rows, idx[rows]


@dataclass(frozen=True)
class Snapshot:
    cutoff: float
    accounts: np.ndarray
    x: np.ndarray  # (n, len(FEATURES))
    event: np.ndarray  # churned within the horizon
    time: np.ndarray  # days to churn, or the horizon when it did not (censored)
    mrr: np.ndarray


def snapshot(f: CustomerFacts, cutoff: float, horizon: float) -> Snapshot:
    """Customers active on ``cutoff`` with features known then and their label."""
    ix = f.index
    n_all = len(ix.accounts)
    active = (f.start <= cutoff) & (np.isnan(f.end) | (f.end >= cutoff)) & ~(f.churned <= cutoff)
    keep = np.nonzero(np.bincount(ix.contract[active], minlength=n_all) > 0)[0]
    if len(keep) == 0:
        empty = np.zeros((0, len(FEATURES)))
        return Snapshot(cutoff, ix.accounts[keep], empty, np.zeros(0, bool), np.zeros(0), np.zeros(0))
    ca = ix.contract[active]
    mrr = np.bincount(ca, weights=np.nan_to_num(f.mrr[active]), minlength=n_all)[keep]
    # per customer, the earliest end of an active term and the churn within the horizon
    ends = np.where(active & ~np.isnan(f.end), f.end, np.inf)[ix.by_customer]
    renewal = np.minimum.reduceat(ends, ix.group_start)[keep]
    soon = (f.churned > cutoff) & (f.churned <= cutoff + horizon)
    churn_day = np.minimum.reduceat(np.where(soon, f.churned, np.inf)[ix.by_customer], ix.group_start)[keep]
    churn_day[np.isinf(churn_day)] = np.nan
    n = len(keep)
    x = np.zeros((n, len(FEATURES)))
    x[:, 0] = (cutoff - ix.first[keep]) / MONTH_DAYS
    x[:, 1] = np.where(np.isinf(renewal), 12.0, np.clip((renewal - cutoff) / MONTH_DAYS, 0, 36))
    x[:, 2] = np.log1p(mrr)
    x[:, 3:7] = _surveys(f, ix, cutoff)[keep]
    lo, hi = np.searchsorted(ix.touch_day, [cutoff - TOUCH_DAYS, cutoff], side="right")
    x[:, 7] = np.bincount(ix.touch[lo:hi], minlength=n_all)[keep]
    event = ~np.isnan(churn_day)
    time = np.where(event, churn_day - cutoff, horizon)
    return Snapshot(cutoff, ix.accounts[keep], x, event, time, mrr)


def _surveys(f: CustomerFacts, ix: Index, cutoff: float) -> np.ndarray:
    """Per customer: the last NPS (0 and missing = 1 when none), the mean CSAT and the
    complaints of the last 12 months — from the answers given on or before ``cutoff``."""
    n_all = len(ix.accounts)
    # the last NPS: answers are sorted by (customer, day, row), so a customer's answers given
    # by the cutoff come first in its group and the last of them is the latest (the last row
    # of the latest day)
    count = np.bincount(ix.nps_customer[ix.nps_day <= cutoff], minlength=n_all)
    nps = np.full(n_all, np.nan)
    has = count > 0
    nps[has] = f.s_nps[ix.nps_rows[(ix.nps_start + count - 1)[has]]]
    recent = (ix.survey_day <= cutoff) & (ix.survey_day > cutoff - SURVEY_DAYS)
    si = ix.survey[recent]
    csat_sum = np.bincount(si, weights=ix.survey_csat[recent], minlength=n_all)
    csat_n = np.bincount(si, weights=ix.survey_has_csat[recent], minlength=n_all)
    complaints = np.bincount(si, weights=ix.survey_complaint[recent], minlength=n_all)
    out = np.zeros((n_all, 4))
    out[:, 0] = np.where(np.isnan(nps), 0.0, nps)
    out[:, 1] = np.isnan(nps).astype(float)
    out[:, 2] = np.where(csat_n > 0, csat_sum / np.maximum(csat_n, 1), 0.0)
    out[:, 3] = complaints
    return out


def touch_window(as_of: float, horizon: float, history_days: float) -> tuple[float, float]:
    """The days whose touches any snapshot of :func:`churn.backtest` / :func:`churn.score`
    reads (so that a store need not load the rest)."""
    return as_of - horizon - history_days - TOUCH_DAYS - 31.0, as_of
