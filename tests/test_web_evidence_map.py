"""Evidence map column labels: short enough that neighbouring columns never overlap."""

from __future__ import annotations

import pytest

from evidentia.web.evidence_map import SHORT_DESIGN, label_lines


@pytest.mark.parametrize(
    "label, lines",
    [
        ("meta-analysis", ["meta-", "analysis"]),
        ("syst. review", ["syst.", "review"]),
        ("non-rand. trial", ["non-rand.", "trial"]),
        ("case-control", ["case-", "control"]),
        ("RCT", ["RCT"]),
        ("in vitro", ["in", "vitro"]),
        ("cohort", ["cohort"]),
    ],
)
def test_a_label_breaks_at_its_first_space_or_hyphen(label: str, lines: list[str]) -> None:
    assert label_lines(label) == lines


@pytest.mark.parametrize("design", sorted(SHORT_DESIGN))
def test_every_column_label_line_fits_a_column(design: str) -> None:
    # about 11 characters fit the narrowest column at the chart's label size
    assert all(len(line) <= 11 for line in label_lines(SHORT_DESIGN[design]))
