"""Sample size, doses and numeric results (p, CI, %, effect sizes, durations)."""

from __future__ import annotations

import pytest

from evidentia.analyse.doses import find_doses
from evidentia.analyse.numbers import find_numbers
from evidentia.analyse.sample_size import find_sample_size
from evidentia.analyse.sentences import split_sentences
from evidentia.models import Paper


def _sample_size(text: str):
    paper = Paper(id="doc:1", abstract=text)
    return find_sample_size(text, split_sentences(paper))


@pytest.mark.parametrize(
    "text, n",
    [
        ("Thirty patients were randomized", 30),
        ("six men with spinal cord injury", 6),
        ("n = 15", 15),
        ("N=120", 120),
        ("a total of 1,234 participants", 1234),
        ("15 patients with multiple sclerosis", 15),
        ("Patients were randomized (n = 40).", 40),
        ("We enrolled 250 consecutive adult patients.", 250),
        ("Twenty-four healthy volunteers took part.", 24),
        ("One hundred and twenty children were studied.", 120),
        ("The trial recruited 48 women.", 48),
        ("Twelve rats received the drug.", 12),
        ("aged 45 years", None),
        ("Patients were aged 45 years on average.", None),
        ("The dose was 400 mg.", None),
        ("Pain fell in 45% of patients.", None),
        ("Patients were divided into 2 groups.", None),
        ("The drug was given 3 times a day.", None),
        ("The study ran from 2005 to 2010.", None),
        ("Type 2 diabetes patients were studied.", None),
    ],
)
def test_sample_size(text: str, n: int | None) -> None:
    found = _sample_size(text)
    assert (found.n if found else None) == n
    if found:
        assert text[found.span.start:found.span.end] == found.span.text


@pytest.mark.parametrize(
    "text, n, basis, unit",
    [
        ("Twenty received X and 21 received placebo.", 41, "arms", None),
        ("20 patients received X and 21 patients received placebo.", 41, "arms", "patients"),
        ("Preterm (n = 17) and full-term infants (n = 7) were scanned.", 24, "arms", None),
        ("six men with spinal cord injury", 6, "total", "men"),
        ("We report a 45-year-old woman with sudden blindness.", 1, "single", "woman"),
    ],
)
def test_sample_size_basis_and_unit(text: str, n: int, basis: str, unit: str | None) -> None:
    found = _sample_size(text)
    assert found is not None
    assert (found.n, found.basis, found.unit) == (n, basis, unit)


@pytest.mark.parametrize(
    "text, n",
    [
        # Reported problems: each of these gave a wrong count or none.
        ("We pooled 10 randomised trials including 950 travellers. Melatonin reduced jet lag.", 950),
        (("METHODS: We randomly assigned 120 adult travellers to melatonin or placebo. "
         "RESULTS: Jet lag fell. Daytime sleepiness was reported by 8 participants."), 120),
        ("A cohort of 20,909 pregnant women was followed to delivery.", 20909),
        ("Thirty flight attendants with jet lag received melatonin or placebo.", 30),
        # Screened is not enrolled; long modifiers; words that are not counts.
        ("1171 patients were screened, 891 patients were randomized and 687 completed.", 891),
        ("Seventy-two consecutive anti-HBe-positive chronic hepatitis B patients were randomly allocated.", 72),
        ("Twenty-seven minutes after drug instillation subjects were challenged with allergen.", None),
        ("Two hundred sixteen male and female CABG patients were assigned randomly.", 216),
        ("The single and combination groups comprised 14 and 13 patients, respectively.", 27),
        (("A randomized, controlled, double-masked clinical trial of 45 eyes was conducted. "
         "After matching, 38 eyes were included."), 45),
        ("Patients aged between 20 and 30 years were eligible.", None),
    ],
)
def test_sample_size_reported_problems(text: str, n: int | None) -> None:
    found = _sample_size(text)
    assert (found.n if found else None) == n
    if found:
        assert text[found.span.start:found.span.end] == found.span.text


def test_total_in_methods_beats_subgroup_in_results() -> None:
    text = ("METHODS: A total of 200 patients were enrolled. "
            "RESULTS: Of these, 35 patients had a relapse.")
    assert _sample_size(text).n == 200


def test_background_counts_are_ignored() -> None:
    text = ("BACKGROUND: Over 5,000 patients die each year. "
            "METHODS: We studied 60 patients.")
    assert _sample_size(text).n == 60


@pytest.mark.parametrize(
    "text, amount, amount_max, unit, frequency",
    [
        ("400 mg three times daily", 400, None, "mg", "three times daily"),
        ("up to 3600 mg/day", None, 3600, "mg", "daily"),
        ("900 to 1600 mg daily", 900, 1600, "mg", "daily"),
        ("10 mg/kg", 10, None, "mg/kg", None),
        ("0.5 g", 0.5, None, "g", None),
        ("1,000 IU/day", 1000, None, "IU", "daily"),
        ("2 x 500 mg", 500, None, "mg", "2 times"),
        ("20 mg/kg/day", 20, None, "mg/kg", "daily"),
        ("100 mg b.i.d.", 100, None, "mg", "twice daily"),
        ("50 mcg twice a day", 50, None, "µg", "twice daily"),
        ("300-600 mg/d", 300, 600, "mg", "daily"),
        ("50,000 IU weekly", 50000, None, "IU", "weekly"),
        ("5 mg every 8 hours", 5, None, "mg", "every 8 hours"),
    ],
)
def test_doses(text: str, amount: float | None, amount_max: float | None, unit: str,
               frequency: str | None) -> None:
    doses = find_doses(text)
    assert len(doses) == 1
    dose = doses[0]
    assert (dose.amount, dose.amount_max, dose.unit, dose.frequency) == (amount, amount_max, unit, frequency)
    assert text[dose.span.start:dose.span.end] == dose.text


@pytest.mark.parametrize(
    "text",
    ["glucose was 200 mg/dL", "sodium 140 mmol/L", "rats weighing 250 g", "in 30 patients", "aged 45 years"],
)
def test_not_doses(text: str) -> None:
    assert find_doses(text) == []


def test_doses_in_a_sentence_are_all_found_with_offsets() -> None:
    text = "Patients received gabapentin 400 mg three times daily, up to 3600 mg/day."
    doses = find_doses(text, 10)
    assert [d.text for d in doses] == ["400 mg three times daily", "up to 3600 mg/day"]
    assert all(text[d.span.start:d.span.end] == d.text for d in doses)


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("p < 0.05", "p_value", 0.05),
        ("P=.03", "p_value", 0.03),
        ("a p value of 0.001", "p_value", 0.001),
        ("(P<0.001 by ANOVA)", "p_value", 0.001),
        ("95% CI 1.2-3.4", "confidence_interval", "1.2 to 3.4"),
        ("95% CI, 0.8 to 1.1", "confidence_interval", "0.8 to 1.1"),
        ("(95% confidence interval [CI], -0.5 to 1.2)", "confidence_interval", "-0.5 to 1.2"),
        ("odds ratio 1.5", "odds_ratio", 1.5),
        ("OR = 2.3", "odds_ratio", 2.3),
        ("HR, 0.75", "hazard_ratio", 0.75),
        ("relative risk of 0.8", "risk_ratio", 0.8),
        ("RR 1.12", "risk_ratio", 1.12),
        ("MD -2.3", "mean_difference", -2.3),
        ("SMD 0.45", "standardised_mean_difference", 0.45),
        ("45% of patients", "percentage", 45.0),
        ("12.5 percent", "percentage", 12.5),
        ("for 12 weeks", "duration", 84.0),
        ("a 6-month follow-up", "duration", 182.64),
        ("two years", "duration", 730.5),
    ],
)
def test_numeric_results(text: str, kind: str, value: float | str) -> None:
    facts = find_numbers(text)
    assert [(f.kind, f.value) for f in facts] == [(kind, value)]
    assert all(text[f.span.start:f.span.end] == f.text for f in facts)


@pytest.mark.parametrize("text", ["aged 45 years", "mean age 62 years", "a 45-year-old man", "HR 72 bpm"])
def test_not_numeric_results(text: str) -> None:
    assert find_numbers(text) == []


def test_ci_level_is_not_a_percentage() -> None:
    kinds = [f.kind for f in find_numbers("OR 2.1 (95% CI 1.1-4.0; p = 0.02)")]
    assert kinds == ["odds_ratio", "confidence_interval", "p_value"]
