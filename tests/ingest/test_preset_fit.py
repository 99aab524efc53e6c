"""The wrong-preset matrix: every public dataset file × every built-in preset.

For each pair exactly one of three things happens, decided before anything is read into the
store: the right preset imports; a preset missing required columns is refused naming them;
a preset that fits but another fits clearly better is refused naming the better one and the
headers that gave it away (``--force`` insists).  The right preset is the one auto-detection
picks, and an independent rule says which that is: the preset whose columns the file has the
largest share of.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest

from rashinban.errors import IngestError
from rashinban.ingest import presets as P
from rashinban.ingest.run import ImportOptions, run_import
from rashinban.store import Store
from tests.ingest.conftest import snapshot

FILES = [
    "sfdc_data_cloud_workshop_format_samples/Account.csv",
    "sfdc_data_cloud_workshop_format_samples/Campaign.csv",
    "sfdc_data_cloud_workshop_format_samples/CampaignMember.csv",
    "sfdc_data_cloud_workshop_format_samples/Contact.csv",
    "sfdc_data_cloud_workshop_format_samples/Lead.csv",
    "sfdc_data_cloud_workshop_format_samples/Opportunity.csv",
    "sfdc_data_cloud_workshop_format_samples/Task.csv",
    "maven_crm_sales_opportunities/sales_pipeline.csv",
    "maven_crm_sales_opportunities/sales_teams.csv",
    "maven_crm_sales_opportunities/accounts.csv",
    "maven_crm_sales_opportunities/products.csv",
    "maven_crm_sales_opportunities/data_dictionary.csv",
    "olist_marketing_funnel/olist_marketing_qualified_leads_dataset.csv",
    "olist_marketing_funnel/olist_closed_deals_dataset.csv",
]
RIGHT = {  # what a person reading the file names says it is
    "Account.csv": "salesforce-account",
    "Campaign.csv": "salesforce-campaign",
    "CampaignMember.csv": "salesforce-campaign-member",
    "Contact.csv": "salesforce-contact",
    "Lead.csv": "salesforce-lead",
    "Opportunity.csv": "salesforce-opportunity",
    "Task.csv": "salesforce-task",
    "sales_pipeline.csv": "maven-crm",
    "sales_teams.csv": "maven-crm",
    "accounts.csv": "maven-crm",
    "products.csv": "maven-crm",
    "olist_marketing_qualified_leads_dataset.csv": "olist-funnel",
    "olist_closed_deals_dataset.csv": "olist-funnel",
}


def _headers(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f))


def _norm(h: str) -> str:
    return "".join(unicodedata.normalize("NFKC", h).casefold().split())


def _share(preset: P.Preset, headers: list[str]) -> float:
    """Independent of the importer: the best share of a part's first-choice headers found."""
    have = {_norm(h) for h in headers}
    best = 0.0
    for part in preset.parts:
        wanted = [[*part.keys[0]], *[list(c.sources) for c in part.columns if c.sources]]
        hit = sum(any(_norm(a) in have for a in alts) for alts in wanted)
        best = max(best, hit / len(wanted))
    return best


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("fit") / "fit.duckdb"
    store = Store.open(str(path))
    try:
        store.create_all()
    finally:
        store.dispose()
    return str(path)


@pytest.mark.parametrize("file", FILES, ids=[Path(f).stem for f in FILES])
def test_every_preset_on_every_file(datasets: Path, store_path: str, file: str) -> None:
    path = datasets / file
    headers = _headers(path)
    right = RIGHT.get(path.name)
    shares = {p.name: _share(p, headers) for p in P.builtin_presets()}
    if right is not None:  # the right preset is the best share (the rule the product follows)
        assert shares[right] == max(shares.values()) == 1.0
    before = snapshot(store_path)
    store = Store.open(store_path, create=False)
    refused: dict[str, str] = {}
    try:
        for preset in P.builtin_presets():
            if preset.name == right:
                continue  # importing the datasets is tests/ingest/test_datasets.py's job
            with pytest.raises(IngestError) as e:
                run_import(store, path, ImportOptions(preset=preset.name, dry_run=True))
            err = e.value
            refused[preset.name] = err.code
            assert err.code in ("headers_missing", "preset_mismatch", "bundle_wrong_file"), err.code
            if err.code == "preset_mismatch":
                assert right is not None and err.params["better"] == right
                assert err.params["telling"] != "-"  # the headers that gave it away
                text = str(err)
                assert f"--preset {right}" in text and "--force" in text and path.name in text
                assert shares[preset.name] <= shares[right] - 0.1
    finally:
        store.dispose()
    assert len(refused) == len(P.builtin_presets()) - (right is not None)
    assert snapshot(store_path) == before


def test_the_reported_wrong_pair_is_refused_then_forced(datasets: Path, tmp_path: Path) -> None:
    """``Opportunity.csv --preset salesforce-lead`` stored 50 opportunities as leads."""
    path = datasets / "sfdc_data_cloud_workshop_format_samples" / "Opportunity.csv"
    db = str(tmp_path / "s.duckdb")
    store = Store.open(db)
    try:
        store.create_all()
        with pytest.raises(IngestError) as e:
            run_import(store, path, ImportOptions(preset="salesforce-lead"))
        assert e.value.params["better"] == "salesforce-opportunity"
        for header in ("StageName", "Amount", "IsWon"):
            assert header in e.value.params["telling"]
        assert "Status" in e.value.params["missing"]
        forced = run_import(store, path, ImportOptions(preset="salesforce-lead", force=True, dry_run=True))
        assert forced.inserted == 50 and forced.tables == {
            "leads": {"inserted": 50, "updated": 0, "unchanged": 0}
        }
    finally:
        store.dispose()
