"""Outcome labels that cannot be misread (#16 item 4): every outcome of every activity type has
a label in both languages, distinct within its type and from the form's own actions; a
meeting the customer cancelled never reads like cancelling the form."""

from __future__ import annotations

import pytest

from rashinban.i18n import t
from rashinban.service import OUTCOMES

FORM_ACTIONS = ("forms.log.undo", "forms.log.title", "forms.log.details")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_outcome_has_its_own_label(lang: str) -> None:
    actions = {t(k, lang) for k in FORM_ACTIONS}
    for kind, outcomes in OUTCOMES.items():
        labels = [t(f"forms.outcome.{o}", lang) for o in outcomes]
        assert all(not lbl.startswith("forms.") for lbl in labels), (kind, labels)
        assert len(set(labels)) == len(labels), (kind, labels)
        assert not actions & set(labels), (kind, labels)
        assert t(f"forms.type.{kind}", lang) not in labels


def test_a_cancelled_meeting_names_who_cancelled() -> None:
    ja, en = t("forms.outcome.cancelled", "ja"), t("forms.outcome.cancelled", "en")
    assert "先方" in ja and ja != "キャンセル"
    assert "customer" in en.lower()
    # no outcome is a bare word that also names a button of a form
    bare = {"キャンセル", "取消", "取り消し", "Cancel", "Cancelled", "Done", "OK"}
    for lang in ("ja", "en"):
        for outcomes in OUTCOMES.values():
            assert not bare & {t(f"forms.outcome.{o}", lang) for o in outcomes}
