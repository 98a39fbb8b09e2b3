"""directions_doc.py: the results section of docs/directions.md written from
synthetic report files (no model, no torch work)."""
from __future__ import annotations

import copy
import hashlib
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


def slope(v):
    m = sum(v) / len(v)
    return sum(o * (x - m) for o, x in zip(OFFSETS, v)) / sum(o * o for o in OFFSETS)


def named(score, sigma, step, tokens, layers, means, unit=None, spearman=0.9, detected=1.0):
    own = means[score]
    return {"tokens": tokens, "layers": layers, "step": step, "sigma": sigma, "unit": unit, "score": score, "means": means,
            "slopes": {k: slope(v) for k, v in means.items()}, "low": own[0], "high": own[-1],
            "monotonic": all(b > a for a, b in zip(own, own[1:])), "spearman_median": spearman, "faces": 50,
            "detected_ends": detected}


AGE_UP = [20, 27, 33, 40, 46, 53, 60]
FEMALE_DOWN = [0.7, 0.65, 0.6, 0.5, 0.4, 0.35, 0.3]
FLAT_AGE = [31, 31, 31, 31, 31, 31, 31]
FLAT_FEMALE = [0.5] * 7
REPORT = {
    "model": "synth64", "kimg": 4.3, "w_dim": 16,
    "judge": {"age_mae": 6.2, "gender_accuracy": 0.91, "images": 1234},
    "named": {
        "age": named("age", 1.3, 3.0, [1], [0, 13], {"age": AGE_UP, "female": FEMALE_DOWN}, {"label": "years", "per_step": 6.5}),
        "gender": named("female", 2.0, 2.0, [1], [0, 13], {"age": FLAT_AGE, "female": [0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9]},
                        {"label": "P(female)", "per_step": 0.13}),
        "age|gender": named("age", 1.2, 3.2, [1], [0, 13], {"age": [22, 28, 34, 40, 46, 52, 58], "female": [0.55, 0.54, 0.52, 0.5, 0.48, 0.46, 0.45]},
                            {"label": "years", "per_step": 6.0}),
        "random": named("age", 1.3, 3.0, [1], [0, 13], {"age": [29, 30, 30, 31, 31, 32, 33], "female": FLAT_FEMALE}),
    },
    "local": {
        "age": {"layers": {"all": {"age": 40, "female": -0.4}, "fine": {"age": 25, "female": -0.2}},
                "tokens": [{"age": v, "female": 0.0} for v in (1, 38, 2, 3, 1, 0, 1, 2)]},
        "gender": {"layers": {"all": {"age": 0, "female": 0.8}, "fine": {"age": 0, "female": 0.3}},
                   "tokens": [{"age": 0.0, "female": v} for v in (0.01, 0.7, 0.02, 0.4, 0.0, 0.0, 0.0, 0.0)]},
    },
    "local_faces": 40, "layer_sets": {"all": [0, 13], "fine": [11, 13]},
    "pca": {"samples": 8000, "total_variance": 10.0, "random_share": 1 / 16,
            "names": [f"pca{i}" for i in range(10)],
            "share": [0.3, 0.2, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02],
            "ratio_to_random": [4.8, 3.2, 1.92, 1.6, 1.28, 0.96, 0.8, 0.64, 0.48, 0.32],
            "sefa_ratio_to_random": [0.75, 1.25, 0.9]},
    "cos": {"age·gender": -0.2},
}

STATS = {
    "classifier": {"age_mae": 6.5, "gender_accuracy": 0.9, "images": 1234, "train_seconds": 12.3,
                   "baseline_age_mae": 15.0, "baseline_gender_accuracy": 0.52},
    "named": {"samples": 2000, "directions": {
        "age": {"step": 3.0, "token_r2": [0.0, 0.39, 0.01, 0.0, 0.0, 0.0, 0.0, 0.0]},
        "gender": {"step": 2.0, "token_r2": [0.0, 0.48, 0.0, 0.21, 0.0, 0.0, 0.0, 0.0]},
        "age|gender": {"step": 3.2, "token_r2": [0.0, 0.39, 0.01, 0.0, 0.0, 0.0, 0.0, 0.0]}}},
}

LISTING = """index  name                method     sigma   explained  layers  tokens  per step
""" + "".join(f"{i:5d}  pca{i:<15d} pca        {2.0 - i * 0.1:6.3f}    0.1000  all\n" for i in range(10)) + """\
   10  sefa0               sefa        0.556    0.0138  all
   11  sefa-coarse0        sefa        0.700    0.0161  0-4
   12  age                 attribute   1.300         -  0-13  1  +6.5 years
   13  gender              attribute   2.000         -  0-13  1  +0.13 P(female)
   14  age|gender          attribute   1.200         -  0-13  1  +6.0 years
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
    assert "age MAE **6.50 years**" in body and "age MAE **6.20 years**" in body and "**91.0%**" in body
    assert "on 50 faces" in body
    assert "| `age` | 1 | 0–13 | 3.00 (2.3) | +6.5 years | predicted age 20.0 → 60.0 | +6.6 | +0.90 | yes | 100% |" in body
    assert "| `age\\|gender` |" in body
    assert "The first 5 components carry more than a random direction's share and the rest less." in body
    # a second run changes nothing, and --check agrees
    assert directions_doc.main(args) == 0
    assert page.read_text(encoding="utf-8") == text
    assert directions_doc.main(args + ["--check"]) == 0


def test_check_reports_a_stale_page(tmp_path):
    args, page = setup(tmp_path)
    assert directions_doc.main(args + ["--check"]) == 1
    assert page.read_text(encoding="utf-8") == DOC


def test_goal_wording_follows_the_report(tmp_path):
    body = region(generate(tmp_path / "a"))
    assert "`age` takes the judge's mean predicted age from 20.0 to 60.0 years (the aim: about 20 to about 60, monotone)." in body
    assert "`gender` takes the judge's mean P(female) from 0.10 to 0.90 (the aim: below 0.2 to above 0.8, monotone)." in body
    assert "The control moves the predicted age by +4.0 years over the same walk (0.10× of `age`'s change), so most" in body
    report = copy.deepcopy(REPORT)
    report["named"]["age"] = named("age", 1.3, 3.0, [1], [0, 13], {"age": [25, 28, 30, 31, 33, 34, 36], "female": FEMALE_DOWN})
    report["named"]["gender"] = named("female", 2.0, 2.0, [1], [0, 13], {"age": FLAT_AGE, "female": [0.3, 0.35, 0.4, 0.5, 0.6, 0.65, 0.7]})
    body = region(generate(tmp_path / "b", report=report))
    assert "which this model does not reach" in body and "the aim: about 20" not in body
    assert "not reached here" in body


def test_cross_effects_and_the_conditional_reduction(tmp_path):
    body = region(generate(tmp_path / "a"))
    assert "| `age` | **+6.6** | -0.07 |" in body
    assert "`age|gender` keeps 91% of `age`'s own effect and reduces the P(female) cross-effect by 75% (-0.07 → -0.02 per step)." in body
    report = copy.deepcopy(REPORT)
    report["named"]["age|gender"] = named("age", 1.2, 3.2, [1], [0, 13], {"age": AGE_UP, "female": FEMALE_DOWN})
    body = region(generate(tmp_path / "b", report=report))
    assert "does not reduce the P(female) cross-effect measurably" in body


def test_where_the_attributes_live(tmp_path):
    body = region(generate(tmp_path / "a"))
    assert "| `age` | +40.0 | +25.0 | +1.0 | +38.0 | +2.0 |" in body
    assert ("- `age`: an edit of token 1 alone moves it most (+38.0 from −3 to +3 steps); its labels are predicted by token 1's "
            "w alone (held-out R² 0.39; every other token ≤ 0.01); default layers 0–13.") in body
    assert "- `gender`: an edit of token 1 alone moves it most (+0.70 from −3 to +3 steps), token 3 +0.40 at least half as much;" in body
    report = copy.deepcopy(REPORT)
    report["named"]["random"]["means"]["age"] = [20, 27, 33, 40, 46, 53, 58]
    report["named"]["random"] = named("age", 1.3, 3.0, [1], [0, 13], report["named"]["random"]["means"])
    body = region(generate(tmp_path / "b", report=report))
    assert "much of `age`'s effect comes from any large move of the same tokens' w" in body


def test_early_training_remark_depends_on_kimg(tmp_path):
    report = dict(REPORT, kimg=5000)
    early = region(generate(tmp_path / "a"))
    late = region(generate(tmp_path / "b", report=report, kimg=5000))
    assert "early in training" in early
    assert "**5000 kimg**" in late and "early in training" not in late


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
    stats["named"]["directions"]["age"]["step"] = 2.5
    args, page = setup(tmp_path / "b", stats=stats)
    assert directions_doc.main(args) == 1
    assert "different runs" in capsys.readouterr().err


def test_refuses_a_report_measured_on_other_weights(tmp_path, capsys):
    weights = b"the weights the report was measured on"
    digest = hashlib.sha256(weights).hexdigest()
    args, page = setup(tmp_path, report=dict(REPORT, weights_sha256=digest))
    (tmp_path / "synth64" / "generator.safetensors").write_bytes(weights)
    assert directions_doc.main(args) == 0
    (tmp_path / "synth64" / "generator.safetensors").write_bytes(weights + b" refitted")
    page.write_text(DOC, encoding="utf-8")
    assert directions_doc.main(args) == 1
    assert "other weights" in capsys.readouterr().err and page.read_text(encoding="utf-8") == DOC


def test_a_refitted_model_says_so(tmp_path):
    args, page = setup(tmp_path)
    config = {"name": "synth64", "training": {"kimg": 4.3, "pos_refit": {"grid": 32, "layers": ["b64.conv0", "b64.torgb"]}}}
    (tmp_path / "synth64" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert directions_doc.main(args) == 0
    body = region(page.read_text(encoding="utf-8"))
    assert "**4.3 kimg** (`training.kimg` in its `config.json`), its 64×64 positional encodings refitted to a 32×32 grid" in body
    assert "refitted" not in region(generate(tmp_path / "plain"))


def test_a_warm_started_softened_model_says_where_it_comes_from(tmp_path):
    args, page = setup(tmp_path)
    config = {"name": "synth64", "training": {"kimg": 4.3, "warm_start": {"model": "synth64 v1", "kimg": 201.6},
                                              "attention_scale": {"64": 0.7}}}
    (tmp_path / "synth64" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert directions_doc.main(args) == 0
    body = region(page.read_text(encoding="utf-8"))
    assert ("**4.3 kimg** (`training.kimg` in its `config.json`), trained on from a model at 201.6 kimg "
            "(`training.warm_start`), its 64×64 attention softened (keys × 0.7, `training.attention_scale`)") in body
    # 205.9 kimg in all: not the early-training caveat a model at 4.3 kimg from scratch gets
    assert "early in training" not in body
    assert "early in training" in region(generate(tmp_path / "plain"))


def test_an_averaged_model_says_which_states_it_averages(tmp_path):
    args, page = setup(tmp_path)
    config = {"name": "synth64", "training": {"kimg": 4.3, "attention_scale": {"64": 0.7},
                                              "averaged_from": [{"model": "a", "kimg": 2.5}, {"model": "b", "kimg": 4.3}]}}
    (tmp_path / "synth64" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert directions_doc.main(args) == 0
    body = region(page.read_text(encoding="utf-8"))
    assert ("**4.3 kimg** (`training.kimg` in its `config.json`), the average of its weights at 2.5 and 4.3 kimg "
            "(`training.averaged_from`), its 64×64 attention softened") in body
    three = [{"kimg": 1.0}, {"kimg": 2.5}, {"kimg": 4.3}]
    assert "at 1, 2.5 and 4.3 kimg" in directions_doc.lineage_text({"training": {"averaged_from": three}})
    weighted = {"averaged_from": three[:2], "averaged_weights_at": {"64": [0.75, 0.25], "32": [0.6, 0.4]}}
    assert ("at 1 and 2.5 kimg (`training.averaged_from`) with weights at 32×32 0.6, 0.4; at 64×64 0.75, 0.25 "
            "(`training.averaged_weights_at`)") in directions_doc.lineage_text({"training": weighted})
    assert "at 4.3 kimg (" in directions_doc.lineage_text({"training": {"averaged_from": [{"kimg": 4.3}, {"model": "?"}]}})


def test_a_blurred_model_says_so():
    config = {"training": {"attention_scale": {"64": 0.9}}, "attention_blur": {"64": 1, "32": 2}}
    assert directions_doc.lineage_text(config).endswith(
        "its 64×64 attention softened (keys × 0.9, `training.attention_scale`) and its attention maps low-passed "
        "(32×32 2 times, 64×64 once, `attention_blur`)")
    assert "low-passed" not in directions_doc.lineage_text({"training": {"attention_scale": {"64": 0.9}}})


def test_a_model_with_baked_style_psi_says_so():
    config = {"training": {"attention_scale": {"64": 0.9}, "style_psi": {"8": 1.15, "4": 1.15}}, "attention_blur": {"64": 1}}
    assert directions_doc.lineage_text(config).endswith(
        "(64×64 once, `attention_blur`), with the styles of its 4×4 and 8×8 layers spread about the average face "
        "(ψ 1.15, `training.style_psi`)")
    assert "(ψ 1.2, 1.1, `training.style_psi`)" in directions_doc.lineage_text({"training": {"style_psi": {"8": 1.1, "4": 1.2}}})
    assert "truncated about" in directions_doc.lineage_text({"training": {"style_psi": {"64": 0.7}}})
    assert "style_psi" not in directions_doc.lineage_text({"training": {"attention_scale": {"64": 0.9}}})


def test_a_model_with_a_refitted_mapping_says_so():
    config = {"training": {"attention_scale": {"64": 0.9}, "mapping_refit": {"kimg": 14.7, "steps": 459},
                           "style_psi": {"4": 1.1, "8": 1.1}}}
    assert ("softened (keys × 0.9, `training.attention_scale`), its mapping network trained on alone for 14.7 kimg "
            "against a new discriminator (`training.mapping_refit`), with the styles of its 4×4 and 8×8 layers "
            "spread about the average face (ψ 1.1, `training.style_psi`)") in directions_doc.lineage_text(config)
    assert "mapping_refit" not in directions_doc.lineage_text({"training": {"mapping_refit": {}}})


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
