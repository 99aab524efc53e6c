"""Does the preset the user named fit the file?  Refuse it when another fits clearly better.

A preset's *fit* to a file is the share of its columns (the key counts as one) whose headers
the file has, over the parts whose required headers are all there.  An explicit preset is
refused — before anything is read into the store — when another built-in preset fits the
file at least :data:`MARGIN` better: ``Opportunity.csv --preset salesforce-lead`` would
otherwise store 50 opportunities as leads.  The refusal names the better preset, the file's
headers that gave it away (those it reads and the named preset ignores) and the headers the
named preset looks for in vain; ``--force`` imports anyway.  On the public datasets the right
preset fits 100 % and a wrong one at most 88 %; every wrong pair is more than 0.1 behind.
"""

from __future__ import annotations

from rashinban.errors import IngestError
from rashinban.ingest.spec import PartSpec, Preset
from rashinban.ingest.validate import match_score, missing_headers, normalize_header

MARGIN = 0.1
SHOWN = 8  # headers named in the message


def fit(preset: Preset, headers: list[str]) -> tuple[float, PartSpec] | None:
    """The best score of the preset's parts that the file can feed (None: none can)."""
    scored = [(match_score(p, headers), p) for p in preset.parts if not missing_headers(p, headers)]
    if not scored:
        return None
    return max(scored, key=lambda x: x[0])


def _used(part: PartSpec, headers: list[str]) -> list[str]:
    """The file's headers that ``part`` reads, in file order."""
    wanted = {normalize_header(h) for alt in part.keys for h in alt}
    wanted |= {normalize_header(s) for c in part.columns for s in c.sources}
    return [h for h in headers if normalize_header(h) in wanted]


def _wanted_missing(part: PartSpec, headers: list[str]) -> list[str]:
    have = {normalize_header(h) for h in headers}
    out = []
    for c in part.columns:
        if c.sources and not any(normalize_header(s) in have for s in c.sources) and c.sources[0] not in out:
            out.append(c.sources[0])
    return out


def _names(items: list[str]) -> str:
    return ", ".join(items[:SHOWN]) + (" …" if len(items) > SHOWN else "") if items else "-"


def check_fit(preset: Preset, headers: list[str], presets: list[Preset], path: str) -> None:
    """Raise ``preset_mismatch`` when another preset fits ``headers`` clearly better."""
    mine = fit(preset, headers)
    if mine is None:  # required headers missing: match_part says which
        return
    score, part = mine
    others = [(f, p) for p in presets if p.name != preset.name and (f := fit(p, headers)) is not None]
    if not others:
        return
    (best_score, best_part), best = max(others, key=lambda x: x[0][0])
    if best_score < score + MARGIN:
        return
    own = {normalize_header(h) for h in _used(part, headers)}
    telling = [h for h in _used(best_part, headers) if normalize_header(h) not in own]
    raise IngestError(
        "preset_mismatch",
        path=path,
        preset=preset.name,
        better=best.name,
        score=f"{score:.0%}",
        better_score=f"{best_score:.0%}",
        telling=_names(telling),
        missing=_names(_wanted_missing(part, headers)),
    )
