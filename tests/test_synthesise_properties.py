"""Properties that hold for any mix of studies: cited, checked, numbered, deterministic."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_synthesise_corpus import TOPIC_A, TOPIC_B, build, query_a, query_c

from evidentia.config import SynthesiseSettings
from evidentia.models import DESIGNS, STANCES
from evidentia.render import render
from evidentia.synthesise import check_report, synthesise

SPECS = TOPIC_A + TOPIC_B

study_specs = st.lists(
    st.tuples(
        st.sampled_from(range(len(SPECS))), st.sampled_from(STANCES), st.sampled_from(DESIGNS),
        st.sampled_from(["human", "animal", "in_vitro", "unknown"]), st.booleans(),
    ),
    max_size=8,
)


def variant(index: int, stance: str, design: str, species: str, retracted: bool) -> dict:
    spec = dict(SPECS[index], stance=stance, design=design, species=species)
    spec["retracted"] = retracted and index % 2 == 0
    return spec


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(study_specs, st.booleans(), st.sampled_from(["pro", "explainer"]))
def test_any_mix_gives_a_checked_consistent_report(specs, yes_no, style) -> None:
    studies = build([variant(*spec) for spec in specs])
    query = query_a() if yes_no else query_c()
    report = synthesise(query, studies, settings=SynthesiseSettings(style=style))
    papers = {paper.id: paper for _, paper, _, _ in studies}
    assert check_report(report, papers) == []
    retracted = {paper.id for _, paper, _, _ in studies if paper.retracted}
    cited = {pid for claim in report.claims() for pid in claim.citations}
    assert cited == {source.id for source in report.sources}
    assert not cited & retracted and set(report.excluded) == retracted
    numbers = {source.number for source in report.sources}
    for claim in report.claims():
        assert {int(n) for n in re.findall(r"\d+", " ".join(re.findall(r"\[[\d, ]+\]",
                                                                        claim.text)))} <= numbers
    assert render(report, "html") == render(
        synthesise(query, studies, settings=SynthesiseSettings(style=style)), "html")
