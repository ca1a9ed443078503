"""The held-out kinds scorer (evals/kinds_heldout.py) on a synthetic dataset, key and labels."""

import json

import pytest

from agent.reading.kind_schema import kind_spec
from evals.kinds_heldout import ROLES, BadInput, main, report, score


def _roles(kind: str, slot: str) -> tuple[str, str]:
    """A role the part accepts and one it does not, read from the schema."""
    accepted = kind_spec(kind).part(slot).roles
    return accepted[0], next(r for r in ROLES if r not in accepted)


@pytest.fixture
def dataset(tmp_path):
    items = [{"paper": p, "pdf_dir": "x", "kind": k, "why": "", "split": "heldout"}
             for p, k in [("a", "survey"), ("b", "method"), ("c", "dataset")]]
    path = tmp_path / "kinds.json"
    path.write_text(json.dumps({"kind": "paper-kinds", "items": items}))
    return path


def test_score_counts_kind_accuracy_confusions_and_role_precision(dataset):
    survey_slot = kind_spec("survey").slots[0]
    good_s, bad_s = _roles("survey", survey_slot)
    good_m, _ = _roles("method", "method")
    key = {"s1": {"paper": "a", "predicted_kind": "survey", "part": survey_slot},
           "s2": {"paper": "a", "predicted_kind": "survey", "part": survey_slot},
           "s3": {"paper": "b", "predicted_kind": "survey", "part": survey_slot},
           "s4": {"paper": "b", "predicted_kind": "survey", "part": survey_slot},
           "s5": {"paper": "a", "predicted_kind": "survey", "part": survey_slot}}
    labels = {"s1": good_s, "s2": bad_s, "s3": good_s, "s4": good_m}  # s5 left unlabelled
    # "c" has no selection: its predicted kind comes from kinds.json, and "b" is predicted as a survey.
    s = score(dataset, key, labels, kinds={"c": "dataset"})
    assert (s.kind_right, s.kind_total) == ({"survey": 1, "dataset": 1}, {"survey": 1, "method": 1, "dataset": 1})
    assert s.kind_accuracy == pytest.approx(2 / 3)
    assert s.confusions == {("method", "survey"): 1}
    expected_correct = 2 + (good_m in kind_spec("survey").part(survey_slot).roles)
    assert (s.selected["survey"], s.correct["survey"], s.unlabelled) == (4, expected_correct, 1)
    assert s.mistakes[("survey", survey_slot, bad_s)] == 1
    text = report(s)
    assert "kind accuracy 2/3 = 0.67" in text and "method -> survey x1" in text


def test_a_part_the_kind_does_not_have_is_never_right(dataset):
    slot = next(s for s in ("motivation", "contributions", "method", "experiments", "future") if kind_spec("position").part(s) is None)
    s = score(dataset, {"s1": {"paper": "a", "predicted_kind": "position", "part": slot}}, {"s1": "claim"})
    assert (s.selected["position"], s.correct["position"]) == (1, 0)
    assert s.confusions[("dataset", "(not run)")] == 1


def test_bad_roles_and_missing_files_are_one_line_errors(dataset, tmp_path, capsys):
    with pytest.raises(BadInput, match="not in the vocabulary"):
        score(dataset, {}, {"s1": "methods"})
    labels = tmp_path / "labels.json"
    labels.write_text("{}")
    assert main(["score", str(labels), "--dataset", str(dataset)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "key.json: no such file" in err and err.count("\n") == 1
