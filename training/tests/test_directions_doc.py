"""directions_doc.py: the results section of docs/directions.md written from
synthetic report files (no model, no torch work)."""
from __future__ import annotations

import copy
import json
import os
import sys

import pytest

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TRAINING not in sys.path:
    sys.path.insert(0, TRAINING)

from latentscope_train import directions_doc  # noqa: E402
from latentscope_train.directions_doc import BEGIN, END, DocError  # noqa: E402

OFFSETS = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]


def sweep(sigma, age, female, age_up, female_up):
    def slope(v):
        m = sum(v) / len(v)
        return sum(o * (x - m) for o, x in zip(OFFSETS, v)) / sum(o * o for o in OFFSETS)
    return {"faces": 50, "sigma": sigma, "offsets": OFFSETS, "age": age, "female": female,
            "age_slope": slope(age), "female_slope": slope(female),
            "age_monotonic": all(b > a for a, b in zip(age, age[1:])),
            "female_monotonic": all(b > a for a, b in zip(female, female[1:])),
            "age_up_share": age_up, "female_up_share": female_up}


REPORT = {
    "model": "synth64", "kimg": 4.3, "w_dim": 16,
    "classifier": {"age_mae": 6.5, "gender_accuracy": 0.9, "images": 1234, "train_seconds": 12.3,
                   "baseline_age_mae": 15.0, "baseline_gender_accuracy": 0.52},
    "sweeps": {
        "age": sweep(0.5, [10, 12, 15, 18, 22, 26, 30], [0.5, 0.48, 0.46, 0.44, 0.42, 0.4, 0.38], 1.0, 0.2),
        "gender": sweep(0.4, [25, 23, 21, 18, 17, 17.5, 18], [0.1, 0.2, 0.3, 0.44, 0.6, 0.7, 0.8], 0.2, 1.0),
        "age|gender": sweep(0.45, [9, 11, 14, 18, 23, 27, 30], [0.43, 0.44, 0.43, 0.44, 0.43, 0.44, 0.43], 1.0, 0.5),
        "random": sweep(0.6, [17.5, 17.6, 17.8, 18, 18.5, 19, 19.5], [0.6, 0.55, 0.5, 0.44, 0.38, 0.32, 0.26], 0.7, 0.05),
    },
    "pca": {"samples": 8000, "total_variance": 10.0, "random_share": 1 / 16,
            "names": [f"pca{i}" for i in range(10)],
            "share": [0.3, 0.2, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02],
            "ratio_to_random": [4.8, 3.2, 1.92, 1.6, 1.28, 0.96, 0.8, 0.64, 0.48, 0.32],
            "sefa_ratio_to_random": [0.75, 1.25, 0.9]},
    "cos": {"age·gender": -0.2, "age|gender·gender": 0.0},
}

STATS = {
    "classifier": REPORT["classifier"],
    "boundaries": {
        "samples": 2000, "ratio": 0.1,
        "age": {"per_class": 200, "train_accuracy": 0.9, "val_accuracy": 0.85, "score_low": 6.0, "score_high": 28.0},
        "gender": {"per_class": 200, "train_accuracy": 0.88, "val_accuracy": 0.8, "score_low": 0.1, "score_high": 0.8},
        "cos_age_gender": -0.2,
        "fit_comparison": [
            {"attribute": "age", "fit": "svm", "sigma": 0.5, "age_change": 20.0, "age_up": 1.0, "female_change": -0.2, "female_up": 0.2},
            {"attribute": "age", "fit": "svm-standardised", "sigma": 0.2, "age_change": 8.0, "age_up": 1.0, "female_change": -0.05, "female_up": 0.3},
            {"attribute": "age", "fit": "mean-difference", "sigma": 3.0, "age_change": 16.0, "age_up": 1.0, "female_change": -0.1, "female_up": 0.2},
            {"attribute": "female", "fit": "svm", "sigma": 0.4, "age_change": -8.0, "age_up": 0.15, "female_change": 0.7, "female_up": 1.0},
            {"attribute": "female", "fit": "svm-standardised", "sigma": 0.2, "age_change": -3.0, "age_up": 0.4, "female_change": 0.3, "female_up": 0.95},
            {"attribute": "female", "fit": "mean-difference", "sigma": 2.0, "age_change": -1.0, "age_up": 0.4, "female_change": 0.8, "female_up": 1.0},
        ],
    },
}

LISTING = """index  name                method     sigma   explained  layers   step  per step
""" + "".join(f"{i:5d}  pca{i:<15d} pca        {2.0 - i * 0.1:6.3f}    0.1000  all         -\n" for i in range(10)) + """\
   10  sefa0               sefa        0.556    0.0138  all         -
   11  sefa-coarse0        sefa        0.700    0.0161  0-4         -
   12  age                 attribute   0.500         -  all     1.200  +6.4 years
   13  gender              attribute   0.400         -  all     0.900  +0.11 P(female)
   14  age|gender          attribute   0.450         -  all         -
"""

BEFORE = "# Latent directions\n\nMethod text that stays, with 3.14 in it.\n\n## Evidence\n\n"
AFTER = "\n### Sweep sheets\n\nMore text that stays.\n"
DOC = BEFORE + BEGIN + "\nold numbers: 1.23 kimg\n" + END + "\n" + AFTER


def setup(tmp_path, report=None, stats=None, kimg=4.3, doc=DOC):
    figures = tmp_path / "figures"
    figures.mkdir(parents=True)
    (figures / "directions-report.json").write_text(json.dumps(report or REPORT), encoding="utf-8")
    (figures / "attribute-stats.json").write_text(json.dumps(stats or STATS), encoding="utf-8")
    (figures / "directions-list.txt").write_text(LISTING, encoding="utf-8")
    model = tmp_path / "synth64"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"name": "synth64", "training": {"kimg": kimg}}), encoding="utf-8")
    page = tmp_path / "directions.md"
    page.write_text(doc, encoding="utf-8")
    return ["--figures", str(figures), "--doc", str(page), "--model", str(model)], page


def generate(tmp_path, **kw) -> str:
    args, page = setup(tmp_path, **kw)
    assert directions_doc.main(args) == 0
    return page.read_text(encoding="utf-8")


def region(text: str) -> str:
    return text[text.index(BEGIN):text.index(END)]


def test_replaces_only_the_marked_region(tmp_path):
    args, page = setup(tmp_path)
    assert directions_doc.main(args) == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith(BEFORE + BEGIN + "\n")
    assert text.endswith(END + "\n" + AFTER)
    body = region(text)
    assert "old numbers" not in body
    assert "**4.3 kimg**" in body
    assert "15 directions (10 PCA, 2 SeFa, 3 attribute" in body
    assert "| `pca0` | 2.000 | 30.00% | 4.8 |" in body                   # σ from the listing, share from the report
    assert "age MAE **6.50 years**" in body and "**90.0%**" in body
    assert "85.0% (`age`) and 80.0% (`gender`)" in body
    assert "on 50 faces" in body
    assert "| `age\\|gender` | 0.450 |" in body
    assert "The first 5 components carry more than a random direction's share and the rest less." in body
    assert "| age | SVM on standardised codes | 0.200 | +8.0 years | 100% | -0.050 | 30% |" in body
    # a second run changes nothing, and --check agrees
    assert directions_doc.main(args) == 0
    assert page.read_text(encoding="utf-8") == text
    assert directions_doc.main(args + ["--check"]) == 0


def test_check_reports_a_stale_page(tmp_path):
    args, page = setup(tmp_path)
    assert directions_doc.main(args + ["--check"]) == 1
    assert page.read_text(encoding="utf-8") == DOC


def test_monotonic_wording_follows_the_report(tmp_path):
    body = region(generate(tmp_path / "a"))
    assert "`age` raises the mean predicted age monotonically" in body
    assert "`gender` raises P(female) monotonically" in body
    report = copy.deepcopy(REPORT)
    report["sweeps"]["age"] = sweep(0.5, [10, 14, 13, 18, 22, 21, 30], [0.5, 0.48, 0.46, 0.44, 0.42, 0.4, 0.38], 0.9, 0.2)
    assert report["sweeps"]["age"]["age_slope"] > 0 and not report["sweeps"]["age"]["age_monotonic"]
    body = region(generate(tmp_path / "b", report=report))
    assert "`age` raises the mean predicted age but not monotonically" in body
    assert "raises the mean predicted age monotonically" not in body
    assert "| `age` | 0.500 | 10.0 → 30.0 | +2.96 | no |" in body


def test_slopes_against_the_control_and_the_conditional_cross_effect(tmp_path):
    body = region(generate(tmp_path / "a"))
    assert "the random control's slope (+0.34) in size" in body
    assert "reduces the gender cross-effect from -0.020 to +0.000 P(female) per σ, 100% smaller in size" in body
    assert "The conditional edit works as InterFaceGAN describes." in body
    # a conditional direction with a larger cross-effect, a gender direction weaker than the control
    report = copy.deepcopy(REPORT)
    report["sweeps"]["age|gender"] = sweep(0.45, [9, 11, 14, 18, 23, 27, 30], [0.6, 0.55, 0.5, 0.44, 0.38, 0.32, 0.26], 1.0, 0.1)
    report["sweeps"]["gender"] = sweep(0.4, [25, 23, 21, 18, 17, 17.5, 18], [0.4, 0.41, 0.42, 0.44, 0.45, 0.46, 0.47], 0.2, 0.9)
    body = region(generate(tmp_path / "b", report=report))
    assert "but does not reduce the gender cross-effect (-0.020 for `age`, -0.057 P(female) per σ here)" in body
    assert "does not do what InterFaceGAN describes" in body
    assert "`gender` raises P(female) monotonically (0.40 → 0.47), +0.012 per σ, only 0.21× the random control's slope (-0.057) in size, so no stronger" in body


def test_early_training_remark_depends_on_kimg(tmp_path):
    report = dict(REPORT, kimg=5000)
    early = region(generate(tmp_path / "a"))
    late = region(generate(tmp_path / "b", report=report, kimg=5000))
    assert "early in training" in early and "overall colour" in early
    assert "**5000 kimg**" in late and "early in training" not in late and "overall colour" not in late


@pytest.mark.parametrize("doc, what", [
    ("# no markers\n", "missing"),
    ("a\n" + BEGIN + "\nb\n", "missing"),
    (BEGIN + "\n" + END + "\n" + BEGIN + "\n" + END + "\n", "repeated"),
    ("a\n" + END + "\nb\n" + BEGIN + "\n", "before"),
])
def test_refuses_a_page_without_its_markers(tmp_path, capsys, doc, what):
    args, page = setup(tmp_path, doc=doc)
    assert directions_doc.main(args) == 1
    assert what in capsys.readouterr().err
    assert page.read_text(encoding="utf-8") == doc
    with pytest.raises(DocError):
        directions_doc.replace_region(doc, "x")


def test_refuses_inputs_from_another_model_state(tmp_path, capsys):
    args, page = setup(tmp_path, kimg=8.0)
    assert directions_doc.main(args) == 1
    assert "4.3 kimg" in capsys.readouterr().err and page.read_text(encoding="utf-8") == DOC
    stats = copy.deepcopy(STATS)
    stats["boundaries"]["cos_age_gender"] = 0.3
    args, page = setup(tmp_path / "b", stats=stats)
    assert directions_doc.main(args) == 1
    assert "different runs" in capsys.readouterr().err


def test_shipped_page_is_current():
    """docs/directions.md matches the committed docs/figures (rerun the module after changing either)."""
    root = os.path.dirname(TRAINING)
    figures, doc = os.path.join(root, "docs", "figures"), os.path.join(root, "docs", "directions.md")
    if not os.path.isfile(os.path.join(figures, "directions-report.json")):
        pytest.skip("no committed report")
    inputs = directions_doc.load_inputs(figures)
    with open(doc, encoding="utf-8", newline="") as f:
        text = f.read()
    assert directions_doc.replace_region(text, directions_doc.render(inputs)) == text
