"""The PowerFx subset: a table of expressions with their values or errors, and a property test for arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobrouter_emulator.engine.rules import PowerFxSyntaxError, RuleEvaluationError, evaluate_expression

LABELS = {
    "Huge": 1e200,
    "Big": "x" * 100_000,
    "Region": "NA",
    "Hardware_VIP": True,
    "Score": 7,
    "Rate": 2.5,
    "Name": "Ada",
    "Empty": "",
    "Zero": 0,
    "Team Name": "blue",
}

CASES = [
    # literals
    ("1", 1),
    ("1.5", 1.5),
    (".5", 0.5),
    ('"text"', "text"),
    ('"say ""hi"""', 'say "hi"'),
    ("true", True),
    ("FALSE", False),
    ("Blank()", None),
    # labels
    ('job.Region = "NA"', True),
    ("job.Region", "NA"),
    ('job["Team Name"]', "blue"),
    ("job.Missing", None),
    ("JOB.Score", 7),
    ("job.Score", 7),
    # the documented examples
    ("If(job.Hardware_VIP = true, 10, 1)", 10),
    ('If(job.Region = "EU", 10, 1)', 1),
    # comparison
    ("job.Score > 5", True),
    ("job.Score >= 7", True),
    ("job.Score < 7", False),
    ("job.Score <= 6", False),
    ("job.Score <> 7", False),
    ('"a" < "b"', True),
    ("job.Score = 7.0", True),
    ('job.Score = "7"', False),
    ("Blank() = Blank()", True),
    ("job.Missing = Blank()", True),
    # arithmetic and precedence
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 / 4", 2.5),
    ("10 - 2 - 3", 5),
    ("-job.Score", -7),
    ("2 * -3", -6),
    ("job.Rate * 2", 5.0),
    ("job.Missing + 1", 1),
    ("1 + 2 = 3", True),
    ("8 / 2 / 2", 2),
    # text
    ('"a" & "b"', "ab"),
    ('job.Name & " " & job.Region', "Ada NA"),
    ('"n=" & 5', "n=5"),
    ('"x" & job.Missing', "x"),
    ("Len(job.Name)", 3),
    ("Upper(job.Name)", "ADA"),
    ("lower(job.Name)", "ada"),
    ("Text(42)", "42"),
    ('Value("12.5")', 12.5),
    ('Concatenate("a", "b", "c")', "abc"),
    # logic
    ("true And false", False),
    ("true Or false", True),
    ("Not(false)", True),
    ("Not true", False),
    ("!true", False),
    ("true && true", True),
    ("false || true", True),
    ("And(true, job.Score > 1)", True),
    ("Or(false, false)", False),
    ('job.Score > 5 And job.Region = "NA"', True),
    ("1 < 2 Or 1 / 0 = 1", True),
    # functions
    ("If(false, 1, 2)", 2),
    ("If(false, 1)", None),
    ("If(false, 1, true, 2, 3)", 2),
    ("If(job.Score > 8, 1, job.Score > 6, 2, 3)", 2),
    ("IsBlank(job.Missing)", True),
    ("IsBlank(job.Empty)", True),
    ("IsBlank(job.Zero)", False),
    ("Max(1, 5, 3)", 5),
    ("Min(4, job.Score)", 4),
    ("Round(2.567, 2)", 2.57),
    ("Abs(-3)", 3),
]

ERRORS = [
    ("1 +", PowerFxSyntaxError, "column 4"),
    ("If(1, 2", PowerFxSyntaxError, r"Expected '\)'"),
    ("job.", PowerFxSyntaxError, "label name"),
    ("1 $ 2", PowerFxSyntaxError, "column 3"),
    ("(1", PowerFxSyntaxError, r"Expected '\)'"),
    ("1 2", PowerFxSyntaxError, "Unexpected 2"),
    ("Frobnicate(1)", RuleEvaluationError, "Unknown function"),
    ("other.Label", RuleEvaluationError, "Unknown name"),
    ("1 / 0", RuleEvaluationError, "Division by zero"),
    ('Value("x") + 1', RuleEvaluationError, "not a number"),
    # limits, checked when the rule is stored
    ("(" * 65 + "1" + ")" * 65, PowerFxSyntaxError, "Nested more than 64 levels"),
    ("-" * 2000 + "1", PowerFxSyntaxError, "Nested more than 64 levels"),
    ("+".join(["1"] * 65), PowerFxSyntaxError, "Nested more than 64 levels"),  # a chain nests on the left
    ("Len(" * 65 + '"a"' + ")" * 65, PowerFxSyntaxError, "Nested more than 64 levels"),  # calls nest too
    ("9" * 33, PowerFxSyntaxError, "number longer than 32"),
    ('"' + "a" * 1025 + '"', PowerFxSyntaxError, "text longer than 1024"),
    ("1" + " " * 4096, PowerFxSyntaxError, "Longer than 4096"),
    # numbers stay finite doubles; an argument error is an evaluation error, not a crash
    ("job.Huge * job.Huge", RuleEvaluationError, "out of range"),
    ('Value("1e999")', RuleEvaluationError, "out of range"),
    ('Value("NaN") + 1', RuleEvaluationError, "out of range"),
    ("Max()", RuleEvaluationError, "cannot be evaluated"),
    ("Len()", RuleEvaluationError, "cannot be evaluated"),
    ('If(1 < 2, "a") < 3', RuleEvaluationError, "not a number"),
    # the evaluation budget: 100 KB of label concatenated, far less than the 800 terms that once took 17 s
    ("Len(" + " & ".join(["job.Big"] * 12) + ")", RuleEvaluationError, "more than 1000000 characters"),
    (
        "Len(Upper(job.Big) & Upper(job.Big) & Upper(job.Big) & Lower(job.Big) & Text(job.Big) & job.Big & job.Big"
        " & job.Big & job.Big & job.Big)",
        RuleEvaluationError,
        "more than 1000000 characters",
    ),
]


def test_table_has_at_least_sixty_expressions():
    assert len(CASES) + len(ERRORS) >= 60


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_expression_values(expression, expected):
    assert evaluate_expression(expression, LABELS) == expected


@pytest.mark.parametrize(("expression", "error", "message"), ERRORS)
def test_expression_errors(expression, error, message):
    with pytest.raises(error, match=message):
        evaluate_expression(expression, LABELS)


def test_worker_labels_in_scoring_rules():
    assert evaluate_expression("worker.Skill * 10 + job.Score", LABELS, worker={"Skill": 3}) == 37
    with pytest.raises(RuleEvaluationError, match="Unknown name 'worker'"):
        evaluate_expression("worker.Skill", LABELS)


@given(st.integers(-10_000, 10_000), st.integers(-10_000, 10_000), st.integers(1, 100))
def test_arithmetic_agrees_with_python(a, b, c):
    assert evaluate_expression(f"job.A + job.B * {c} - (job.A - job.B) / {c}", {"A": a, "B": b}) == pytest.approx(
        a + b * c - (a - b) / c
    )


@given(st.text(alphabet=st.characters(blacklist_characters='"', blacklist_categories=("Cs",)), max_size=20))
def test_string_literals_round_trip(text):
    assert evaluate_expression('"' + text + '" & ""', {}) == text
