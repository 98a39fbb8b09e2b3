"""Writes the results of docs/directions.md from the files that
scripts/make-directions.sh leaves in docs/figures, so the page never
disagrees with them.

    cd training && python -m latentscope_train.directions_doc --figures ../docs/figures --doc ../docs/directions.md \\
        [--model ../assets/models/utkface64] [--check]

Reads FIGURES/directions-report.json (direction_report.py), attribute-stats.json
(attributes.py --stats) and directions-list.txt (`latentscope directions list`),
and the model's config.json for its training.kimg. The model folder is --model,
else assets/models/NAME of this repository, NAME being the report's "model".

Only the text between the lines `<!-- results:begin -->` and
`<!-- results:end -->` is replaced; everything else in the page is kept byte
for byte. Every sentence that reads the numbers is chosen by the numbers
("rises monotonically" only where the report says so, each slope against the
random control's, how much `age|gender` reduces the cross-effect), so it stays
true after a rerun.

Refuses (exit 1, the page untouched) when a marker is missing or repeated, or
when the inputs disagree: the report made from another model or another kimg
than the model folder's, or attribute-stats.json and the report from different
runs. --check only reports whether the page is current (exit 1 if not).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

BEGIN = "<!-- results:begin -->"
END = "<!-- results:end -->"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

REPORT = "directions-report.json"
STATS = "attribute-stats.json"
LISTING = "directions-list.txt"

# Below this many kimg the bundled 64² model is early in training: its faces
# are barely formed, and the classifier's scores of them say little about faces.
EARLY_KIMG = 100.0
# A cross-effect or control slope this large against the direction's own slope
# is worth a remark; below it the direction is called clean.
NOTABLE = 0.25
# Faces per sweep in reports that predate direction_report recording it (its --seeds default).
SWEEP_FACES_BEFORE = 100


class DocError(Exception):
    """An input is missing or inconsistent, or the page lacks its markers."""


# MARK: - inputs

def parse_listing(text: str) -> list[dict]:
    """Rows of `latentscope directions list`: index, name, method, sigma,
    explained (None for '-'), layers. Later columns (step, per step) are not read."""
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 6 or not parts[0].isdigit():
            continue            # the header, notes, blank lines
        index, name, method, sigma, explained, layers = parts[:6]
        rows.append({"index": int(index), "name": name, "method": method, "sigma": float(sigma),
                     "explained": None if explained == "-" else float(explained), "layers": layers})
    return rows


def find_model(report: dict, model: str | None) -> str:
    if model:
        if not os.path.isfile(os.path.join(model, "config.json")):
            raise DocError(f"{model}: no config.json (expected an exported model folder)")
        return model
    name = report.get("model")
    cand = os.path.join(REPO, "assets", "models", str(name))
    if name and os.path.isfile(os.path.join(cand, "config.json")):
        return cand
    raise DocError(f"cannot find the model {name!r} of {REPORT} (looked in {cand}); pass --model")


def load_inputs(figures: str, model: str | None = None) -> dict:
    def read(name):
        path = os.path.join(figures, name)
        try:
            with open(path, encoding="utf-8") as f:
                return f.read()
        except OSError as e:
            raise DocError(f"{path}: {e.strerror}; run scripts/make-directions.sh first") from None

    report, stats = json.loads(read(REPORT)), json.loads(read(STATS))
    listing = parse_listing(read(LISTING))
    model_dir = find_model(report, model)
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    inputs = {"report": report, "stats": stats, "listing": listing, "config": config, "model_dir": model_dir}
    check_consistent(inputs)
    return inputs


def check_consistent(inputs: dict):
    """The three files and the model must describe one model, one run."""
    report, stats, config = inputs["report"], inputs["stats"], inputs["config"]
    hint = "rerun scripts/make-directions.sh"
    kimg = (config.get("training") or {}).get("kimg")
    if report.get("model") != config.get("name"):
        raise DocError(f"{REPORT} is about the model {report.get('model')!r}, the model folder holds {config.get('name')!r}; "
                       "pass the right --model")
    if kimg is None:
        raise DocError(f"{inputs['model_dir']}/config.json has no training.kimg")
    if report.get("kimg") != kimg:
        raise DocError(f"{REPORT} was made from the model at {report.get('kimg')} kimg, the model is now at {kimg} kimg; {hint}")
    cos_r = report.get("cos", {}).get("age·gender")
    cos_s = stats.get("boundaries", {}).get("cos_age_gender")
    if cos_r is not None and cos_s is not None and abs(cos_r - cos_s) > 1e-4:
        raise DocError(f"cos(age, gender) is {cos_r:+.4f} in {REPORT} but {cos_s:+.4f} in {STATS}: "
                       f"the files come from different runs; {hint}")
    listed = {r["name"]: r for r in inputs["listing"]}
    for name, s in report.get("sweeps", {}).items():
        if name in listed and abs(listed[name]["sigma"] - s["sigma"]) > 6e-4:
            raise DocError(f"σ of {name} is {listed[name]['sigma']:.3f} in {LISTING} but {s['sigma']:.3f} in {REPORT}; {hint}")


# MARK: - wording

def pct(x: float, digits: int = 0) -> str:
    return f"{x * 100:.{digits}f}%"


def code(name: str) -> str:
    return f"`{name}`"


def cell(name: str) -> str:
    return code(name.replace("|", "\\|"))     # a bare | would end a table cell


def ratio(a: float, b: float) -> float:
    return abs(a) / abs(b) if b else math.inf


def times(r: float) -> str:
    return "∞×" if math.isinf(r) else f"{r:.2f}×" if r < 1 else f"{r:.1f}×"


def kimg_text(kimg) -> str:
    return str(int(kimg)) if float(kimg).is_integer() else str(kimg)


def falls_monotonically(values: list) -> bool:
    return all(b < a for a, b in zip(values, values[1:]))


def trend(s: dict, key: str) -> tuple[str, bool]:
    """(verb, monotonic): "raises" with monotonic only where the report says
    the mean rises monotonically; "lowers" monotonically where every step falls."""
    slope = s[f"{key}_slope"]
    if s[f"{key}_monotonic"]:
        return "raises", True
    if slope < 0 and falls_monotonically(s[key]):
        return "lowers", True
    return ("raises" if slope > 0 else "lowers" if slope < 0 else "does not change"), False


def control_phrase(slope: float, control: float, digits: int) -> str:
    r = ratio(slope, control)
    if r >= 1:
        return f"{times(r)} the random control's slope ({control:+.{digits}f}) in size"
    return f"only {times(r)} the random control's slope ({control:+.{digits}f}) in size, so no stronger than a random move in w"


# MARK: - sections

def overview(inputs: dict) -> list[str]:
    report, config = inputs["report"], inputs["config"]
    kimg = config["training"]["kimg"]
    methods: dict[str, int] = {}
    for r in inputs["listing"]:
        if r["method"] != "user":
            methods[r["method"]] = methods.get(r["method"], 0) + 1
    parts = ", ".join(f"{n} {'PCA' if m == 'pca' else 'SeFa' if m == 'sefa' else m}" for m, n in methods.items())
    out = [f"All numbers and figures below come from `scripts/make-directions.sh` and refer to the bundled "
           f"`{report['model']}` model at **{kimg_text(kimg)} kimg** (`training.kimg` in its `config.json`), which ships "
           f"{sum(methods.values())} directions ({parts}; `docs/figures/{LISTING}`)."]
    if float(kimg) < EARLY_KIMG:
        out[0] += (" That model is early in training, so its faces are barely formed: treat the attribute numbers as a check "
                   "that the pipeline works rather than as a measure of what the directions do to faces.")
    out[0] += (f" `docs/figures/{REPORT}` and `{STATS}` hold every number; this section is written from them by "
               "`latentscope_train.directions_doc`, the last step of the script.")
    return out


def pca_section(inputs: dict) -> list[str]:
    p, w_dim = inputs["report"]["pca"], inputs["report"]["w_dim"]
    sigma = {r["name"]: r["sigma"] for r in inputs["listing"]}
    share, rto, names = p["share"], p["ratio_to_random"], p["names"]
    rs = p["random_share"]
    beats = sum(1 for r in rto if r > 1)
    head = "PCA explains more than random directions" if rto and rto[0] > 1 else "PCA against random directions"
    out = [f"### {head}", "", "![PCA spectrum](figures/pca-spectrum.png)", "",
           f"A random unit direction carries {pct(rs, 2)} of the variance of w (1/w_dim = {pct(1 / w_dim, 2)}), measured on "
           f"{p['samples']:,} fresh samples (seeds from 2⁴², not those PCA saw):", "",
           "| component | σ | share of variance | × random |", "| --- | ---: | ---: | ---: |"]
    k = min(8, len(share))
    for n, s, r in list(zip(names, share, rto))[:k]:
        sg = f"{sigma[n]:.3f}" if n in sigma else ""
        out.append(f"| {code(n)} | {sg} | {pct(s, 2)} | {r:.1f} |")
    if share:
        out.append(f"| top {k} together | | {pct(sum(share[:k]), 1)} | {sum(share[:k]) / (k * rs):.1f} |")
        if len(share) > k:
            out.append(f"| all {len(share)} | | {pct(sum(share), 1)} | {sum(share) / (len(share) * rs):.1f} |")
    out.append("")
    text = []
    if beats == len(rto):
        text.append(f"Every one of the {len(rto)} components carries more than a random direction's share.")
    elif all(r > 1 for r in rto[:beats]):
        text.append(f"The first {beats} components carry more than a random direction's share and the rest less.")
    elif beats:
        below = ", ".join(code(n) for n, r in zip(names, rto) if r <= 1)
        text.append(f"{beats} of the {len(rto)} components carry more than a random direction's share; {below} do not.")
    else:
        text.append("No component carries more than a random direction's share: the PCA directions are stale or the w samples differ.")
    sefa = p.get("sefa_ratio_to_random") or []
    if sefa:
        lo, hi = min(sefa), max(sefa)
        contrast = " by contrast," if rto and hi < rto[0] else ""
        text.append(f"SeFa directions over all layers,{contrast} carry {lo:.2f}–{hi:.2f}× a random direction's share of the "
                   "variance of w: they are chosen from the weights, not from the w distribution.")
    return out + [" ".join(text)]


def walk_table(sweeps: dict) -> list[str]:
    out = ["| direction | σ | predicted age at −3σ → +3σ | age slope (years/σ) | age rises monotonically | faces older at +3σ than −3σ "
           "| P(female) at −3σ → +3σ | P(female) slope (/σ) | P(female) rises monotonically | faces more female at +3σ |",
           "| --- | ---: | ---: | ---: | :---: | ---: | ---: | ---: | :---: | ---: |"]
    yes = lambda b: "yes" if b else "no"                                    # noqa: E731
    for name, s in sweeps.items():
        out.append(f"| {cell(name)} | {s['sigma']:.3f} | {s['age'][0]:.1f} → {s['age'][-1]:.1f} | {s['age_slope']:+.2f} "
                   f"| {yes(s['age_monotonic'])} | {pct(s['age_up_share'])} | {s['female'][0]:.2f} → {s['female'][-1]:.2f} "
                   f"| {s['female_slope']:+.3f} | {yes(s['female_monotonic'])} | {pct(s['female_up_share'])} |")
    return out


def age_bullet(s: dict, gender: dict | None, rnd: dict | None) -> str:
    verb, mono = trend(s, "age")
    t = (f"{code('age')} {verb} the mean predicted age {'monotonically' if mono else 'but not monotonically'} "
         f"({s['age'][0]:.1f} → {s['age'][-1]:.1f} years), {s['age_slope']:+.2f} years per σ")
    if rnd:
        t += ", " + control_phrase(s["age_slope"], rnd["age_slope"], 2)
    t += f"; {pct(s['age_up_share'])} of the faces are older at +3σ than at −3σ."
    t += f" Its cross-effect on gender is {s['female_slope']:+.3f} P(female) per σ"
    if gender and gender["female_slope"]:
        t += f", {pct(ratio(s['female_slope'], gender['female_slope']))} of {code('gender')}'s own slope in size"
    return t + "."


def gender_bullet(s: dict, cos: float | None, rnd: dict | None) -> str:
    verb, mono = trend(s, "female")
    t = (f"{code('gender')} {verb} P(female) {'monotonically' if mono else 'but not monotonically'} "
         f"({s['female'][0]:.2f} → {s['female'][-1]:.2f}), {s['female_slope']:+.3f} per σ")
    if rnd:
        t += ", " + control_phrase(s["female_slope"], rnd["female_slope"], 3)
    t += f"; {pct(s['female_up_share'])} of the faces are more female at +3σ."
    averb, amono = trend(s, "age")
    if averb == "does not change":
        t += " It leaves the mean predicted age where it is"
    else:
        t += (f" It also {averb} the predicted age by {abs(s['age_slope']):.2f} years per σ"
              f"{', monotonically' if amono else ''}")
    if cos is not None:
        if abs(cos) < 0.05:
            t += f" (cos({code('age')}, {code('gender')}) = {cos:+.2f}: the two normals are nearly orthogonal)"
        else:
            toward = "younger" if cos < 0 else "older"
            agree = (cos < 0) == (s["age_slope"] < 0)
            t += (f" (cos({code('age')}, {code('gender')}) = {cos:+.2f}: the {code('gender')} normal points partly toward "
                  f"\"{toward}\"{'' if agree else ', yet the walk moves the age the other way'})")
    return t + "."


def conditional_bullet(c: dict, age: dict | None, rnd: dict | None) -> str:
    t = f"{code('age|gender')} "
    if age and age["age_slope"]:
        keep = c["age_slope"] / age["age_slope"]
        t += (f"keeps {pct(keep)} of {code('age')}'s effect ({c['age_slope']:+.2f} against {age['age_slope']:+.2f} years per σ"
              f"{', monotonic' if c['age_monotonic'] else ', not monotonic'})")
    else:
        t += f"moves the predicted age by {c['age_slope']:+.2f} years per σ"
    if age:
        a, b = age["female_slope"], c["female_slope"]
        if abs(b) < abs(a):
            t += (f" and reduces the gender cross-effect from {a:+.3f} to {b:+.3f} P(female) per σ, "
                  f"{pct(1 - ratio(b, a))} smaller in size")
        else:
            t += f" but does not reduce the gender cross-effect ({a:+.3f} for {code('age')}, {b:+.3f} P(female) per σ here)"
        if rnd:
            t += (", below" if abs(b) < abs(rnd["female_slope"]) else ", not below") + \
                 f" the random control's {rnd['female_slope']:+.3f}"
    t += f"; {pct(c['female_up_share'])} of the faces are more female at +3σ"
    t += " (about half: no systematic change)" if 0.35 <= c["female_up_share"] <= 0.65 else ""
    t += "."
    if age and age["age_slope"]:
        works = (abs(c["female_slope"]) <= 0.5 * abs(age["female_slope"])
                 and c["age_slope"] / age["age_slope"] >= 0.8)
        if works:
            t += " The conditional edit works as InterFaceGAN describes."
        else:
            t += " The conditional edit does not do what InterFaceGAN describes here: it should keep the age effect and lose the gender one."
    return t


def random_bullet(r: dict, age: dict | None, gender: dict | None, kimg) -> str:
    qa = ratio(r["age_slope"], age["age_slope"]) if age and age["age_slope"] else None
    qf = ratio(r["female_slope"], gender["female_slope"]) if gender and gender["female_slope"] else None
    word = lambda q: "" if q is None else "little, " if q < NOTABLE else "a lot, "        # noqa: E731
    t = f"The random control (σ {r['sigma']:.3f}) moves the predicted age {word(qa)}{r['age_slope']:+.2f} years per σ"
    if qa is not None:
        t += f" ({pct(qa)} of {code('age')}'s slope in size)"
    same = qa is None or qf is None or (qa < NOTABLE) == (qf < NOTABLE)
    t += f", {'and' if same else 'but'} P(female) {word(qf)}{r['female_slope']:+.3f} per σ"
    if qf is not None:
        t += f" ({pct(qf)} of {code('gender')}'s)"
    big = qf is not None and qf >= NOTABLE
    t += "."
    if big:
        t += " The classifier's P(female) responds to moves in w that are not aimed at gender"
        if float(kimg) < EARLY_KIMG:
            t += ", probably because at this stage of training it reads gender partly from overall colour, which any large move in w changes"
        t += "."
    return t + " Compare each direction's slope with the control's, not with zero."


def walk_section(inputs: dict) -> list[str]:
    report, stats = inputs["report"], inputs["stats"]
    c = report["classifier"]
    b = stats.get("boundaries", {})
    sweeps = report.get("sweeps", {})
    cos = report.get("cos", {}).get("age·gender", b.get("cos_age_gender"))
    out = ["### Walking `age` and `gender`", "",
           f"The attribute classifier on held-out real images: age MAE **{c['age_mae']:.2f} years** (always predicting the training "
           f"median: {c['baseline_age_mae']:.2f}), gender accuracy **{pct(c['gender_accuracy'], 1)}** (majority class: "
           f"{pct(c['baseline_gender_accuracy'], 1)}), on {c['images']:,} images; trained in {c['train_seconds']:.0f} s."]
    acc = [f"{pct(b[k]['val_accuracy'], 1)} ({code(k)})" for k in ("age", "gender") if k in b]
    if acc:
        line = (f"The boundaries separate the held-out extremes of the {b.get('samples', 0):,} labelled samples with accuracy "
                + " and ".join(acc))
        if cos is not None:
            line += f"; cos({code('age')}, {code('gender')}) = {cos:+.2f}"
        out += ["", line + "."]
    faces = {s.get("faces", SWEEP_FACES_BEFORE) for s in sweeps.values()}
    n = f"{faces.pop()} faces" if len(faces) == 1 else "faces"
    out += ["", f"Walking each direction from −3σ to +3σ (all tokens, all layers) on {n} that were not among the labelled ones, "
                "scored by the same classifier; `random` is a random unit direction with its σ measured the same way (the control):",
            "", "![attribute sweeps](figures/attribute-sweeps.png)", ""]
    out += walk_table(sweeps)
    age, gender, cond, rnd = (sweeps.get(k) for k in ("age", "gender", "age|gender", "random"))
    bullets = []
    if age:
        bullets.append(age_bullet(age, gender, rnd))
    if gender:
        bullets.append(gender_bullet(gender, cos, rnd))
    if cond:
        bullets.append(conditional_bullet(cond, age, rnd))
    if rnd:
        bullets.append(random_bullet(rnd, age, gender, inputs["config"]["training"]["kimg"]))
    if bullets:
        out += [""] + [f"- {x}" for x in bullets]
    return out


FIT_NAMES = {"svm": "SVM on centred codes (shipped)", "svm-standardised": "SVM on standardised codes",
             "mean-difference": "difference of the group means"}


def compare(values: list[float], low: float, high: float, less: str, same: str, more: str) -> str | None:
    """One word for a set of ratios when they agree, else None."""
    if all(v < low for v in values):
        return less
    if all(low <= v <= high for v in values):
        return same
    if all(v > high for v in values):
        return more
    return None


def fits_section(inputs: dict) -> list[str]:
    out = ["### Choice of fit", ""]
    rows = inputs["stats"].get("boundaries", {}).get("fit_comparison")
    if not rows:
        return out + [f"{STATS} holds no fit comparison (run `attributes.py` with `--compare-fits FACES`)."]
    out += ["The three candidate normals of each attribute (see [the method](#named-attributes-age-gender-agegender-interfacegan)), "
            "walked from −3σ to +3σ on the `--compare-fits` faces:", "",
            "| attribute | fit | σ | change of mean predicted age | faces older | change of mean P(female) | faces more female |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        out.append(f"| {r['attribute']} | {FIT_NAMES.get(r['fit'], r['fit'])} | {r['sigma']:.3f} | {r['age_change']:+.1f} years "
                   f"| {pct(r['age_up'])} | {r['female_change']:+.3f} | {pct(r['female_up'])} |")
    by = {(r["attribute"], r["fit"]): r for r in rows}
    own = {"age": "age_change", "female": "female_change"}
    cross = {"age": "female_change", "female": "age_change"}
    attrs = [a for a in own if (a, "svm") in by]
    text = []

    def against(fit):
        return [(a, by[(a, fit)]) for a in attrs if (a, fit) in by]

    std = against("svm-standardised")
    if std:
        rs = [ratio(r[own[a]], by[(a, "svm")][own[a]]) for a, r in std]
        each = ", ".join(f"{times(q)} for {a}" for (a, _), q in zip(std, rs))
        word = compare(rs, 0.5, 1.0, "less than half as far as", "less far than", "further than")
        if word:
            text.append(f"The standardised fit moves each attribute's own score {word} the shipped SVM over the same ±3σ ({each}).")
        else:
            text.append(f"Against the shipped SVM, the standardised fit moves each attribute's own score {each} as far over the same ±3σ.")
    md = against("mean-difference")
    if md:
        rs = [ratio(r[own[a]], by[(a, "svm")][own[a]]) for a, r in md]
        ss = [r["sigma"] / by[(a, "svm")]["sigma"] for a, r in md]
        word = compare(rs, 0.75, 4 / 3, "less far than", "about as far as", "further than")
        each = ", ".join(f"{times(q)} for {a}" for (a, _), q in zip(md, rs))
        t = f"The plain difference of the two groups' means moves the own scores {word or 'a different distance from'} the SVM ({each})"
        sw = "larger" if min(ss) > 1 else "smaller" if max(ss) < 1 else "different"
        t += f", with a σ {' and '.join(times(q) for q in ss)} {sw}"
        if min(ss) > 1.5:
            t += " (it follows w's high-variance axes)"
        smaller = [abs(r[cross[a]]) < abs(by[(a, 'svm')][cross[a]]) for a, r in md]
        detail = ", ".join(
            f"{r[cross[a]]:+.{3 if a == 'age' else 1}f} against {by[(a, 'svm')][cross[a]]:+.{3 if a == 'age' else 1}f} "
            f"{'P(female)' if a == 'age' else 'years'} along {a}" for a, r in md)
        if all(smaller):
            t += f", and in this model with smaller cross-effects ({detail})"
        elif not any(smaller):
            t += f", and with larger cross-effects ({detail})"
        else:
            t += f"; its cross-effects are mixed ({detail})"
        text.append(t + ".")
    text.append("The shipped directions are the SVM normals, as in InterFaceGAN; the script reruns this comparison, "
                "so the choice can be revisited with every model.")
    return out + [""] + [" ".join(text)]


def render(inputs: dict) -> str:
    """The text between the markers (without them)."""
    parts = [[f"<!-- Written by `python -m latentscope_train.directions_doc` from docs/figures/{REPORT}, {STATS} and "
              f"{LISTING}; edits between the markers are lost on the next run. -->"],
             overview(inputs), pca_section(inputs), walk_section(inputs), fits_section(inputs)]
    return "\n\n".join("\n".join(p) for p in parts)


# MARK: - the page

def replace_region(doc: str, body: str) -> str:
    """`doc` with the text between the marker lines replaced by `body`."""
    lines = doc.splitlines(keepends=True)
    begins = [i for i, ln in enumerate(lines) if ln.strip() == BEGIN]
    ends = [i for i, ln in enumerate(lines) if ln.strip() == END]
    if len(begins) != 1 or len(ends) != 1:
        what = "missing" if not begins or not ends else "repeated"
        raise DocError(f"the markers {BEGIN} and {END} must each be on a line of their own, once ({what})")
    b, e = begins[0], ends[0]
    if e < b:
        raise DocError(f"{END} comes before {BEGIN}")
    nl = "\r\n" if lines[b].endswith("\r\n") else "\n"
    new = body.strip("\n").replace("\n", nl)
    return "".join(lines[:b + 1]) + nl + new + nl + nl + "".join(lines[e:])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--figures", required=True, help=f"folder with {REPORT}, {STATS} and {LISTING}")
    p.add_argument("--doc", required=True, help="the page to update (docs/directions.md)")
    p.add_argument("--model", default=None, help="model folder (default: assets/models/NAME, NAME from the report)")
    p.add_argument("--check", action="store_true", help="only say whether the page is current; exit 1 if not")
    args = p.parse_args(argv)
    try:
        inputs = load_inputs(args.figures, args.model)
        with open(args.doc, encoding="utf-8", newline="") as f:
            doc = f.read()
        new = replace_region(doc, render(inputs))
    except DocError as e:
        print(f"directions_doc: error: {e}", file=sys.stderr)
        return 1
    if args.check:
        if new != doc:
            print(f"{args.doc} is out of date; run python -m latentscope_train.directions_doc", file=sys.stderr)
            return 1
        print(f"{args.doc} is current")
        return 0
    if new == doc:
        print(f"{args.doc} already current")
        return 0
    tmp = args.doc + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(new)
    os.replace(tmp, args.doc)
    print(f"rewrote the results of {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
