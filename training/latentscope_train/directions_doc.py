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
(whether `age` and `gender` reach their ranges, the control against `age`, how
much the conditional directions reduce the cross-effects, which tokens carry
each attribute), so it stays true after a rerun.

Refuses (exit 1, the page untouched) when a marker is missing or repeated, or
when the inputs disagree: the report made from another model or another kimg
than the model folder's, or attribute-stats.json and the report from different
runs (the steps differ). --check only reports whether the page is current (exit 1 if not).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from .atomic import write_text

BEGIN = "<!-- results:begin -->"
END = "<!-- results:end -->"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

REPORT = "directions-report.json"
STATS = "attribute-stats.json"
LISTING = "directions-list.txt"

# Below this many kimg the bundled 64² model is early in training: its faces
# are barely formed, and the classifier's scores of them say little about faces.
EARLY_KIMG = 100.0


class DocError(Exception):
    """An input is missing or inconsistent, or the page lacks its markers."""


# MARK: - inputs

def parse_listing(text: str) -> list[dict]:
    """Rows of `latentscope directions list`: index, name, method, sigma (its
    first four columns; later ones are not read)."""
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4 or not parts[0].isdigit():
            continue            # the header, notes, group titles, blank lines
        index, name, method, sigma = parts[:4]
        try:
            rows.append({"index": int(index), "name": name, "method": method, "sigma": float(sigma)})
        except ValueError:
            continue
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
    digest = report.get("weights_sha256")
    if digest is not None:
        if digest != weights_sha256(inputs["model_dir"]):
            raise DocError(f"{REPORT} was measured on other weights than {inputs['model_dir']}/generator.safetensors; {hint}")
    made = stats.get("named", {}).get("directions", {})
    for name, r in report.get("named", {}).items():
        if name in made and abs(made[name]["step"] - r["step"]) > 1e-6 * max(1.0, abs(r["step"])):
            raise DocError(f"the step of {name} is {r['step']:.4f} in {REPORT} but {made[name]['step']:.4f} in {STATS}: "
                           f"the files come from different runs; {hint}")
    listed = {r["name"]: r for r in inputs["listing"]}
    for name, r in report.get("named", {}).items():
        if name in listed and abs(listed[name]["sigma"] - r["sigma"]) > 6e-4:
            raise DocError(f"σ of {name} is {listed[name]['sigma']:.3f} in {LISTING} but {r['sigma']:.3f} in {REPORT}; {hint}")


def weights_sha256(model_dir: str) -> str:
    """The generator file's digest: names the exact weights the numbers were measured on (two
    exports can share name and kimg, e.g. a model and its positional-encoding refit)."""
    h = hashlib.sha256()
    with open(os.path.join(model_dir, "generator.safetensors"), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


def refit_text(config: dict) -> str:
    r = (config.get("training") or {}).get("pos_refit")
    if not r:
        return ""
    layers = r.get("layers") or []
    res = sorted({int(n.split(".")[0][1:]) for n in layers if n.startswith("b") and n.split(".")[0][1:].isdigit()})
    where = " and ".join(f"{x}×{x}" for x in res) or "finer"
    return f", its {where} positional encodings refitted to a {r['grid']}×{r['grid']} grid (`training.pos_refit`)"


def lineage_text(config: dict) -> str:
    """Where a warm-started, softened, blurred or truncated model comes from (config.json's
    `training` and `attention_blur`)."""
    t = config.get("training") or {}
    out = ""
    w = t.get("warm_start")
    if w and w.get("kimg") is not None:
        out += f", trained on from a model at {kimg_text(w['kimg'])} kimg (`training.warm_start`)"
    sources = [s for s in t.get("averaged_from") or [] if s.get("kimg") is not None]
    if sources:
        kimgs = [kimg_text(s["kimg"]) for s in sources]
        states = kimgs[0] if len(kimgs) == 1 else ", ".join(kimgs[:-1]) + f" and {kimgs[-1]}"
        out += f", the average of its weights at {states} kimg (`training.averaged_from`)"
        at = t.get("averaged_weights_at") or {}
        if at:
            parts = [f"at {r}×{r} " + ", ".join(f"{w:g}" for w in at[r]) for r in sorted(at, key=int)]
            out += f" with weights {'; '.join(parts)} (`training.averaged_weights_at`)"
    scale = t.get("attention_scale") or {}
    if scale:
        where = " and ".join(f"{r}×{r}" for r in sorted(scale, key=int))
        factors = ", ".join(f"× {scale[r]:g}" for r in sorted(scale, key=int))
        out += f", its {where} attention softened (keys {factors}, `training.attention_scale`)"
    blur = config.get("attention_blur") or {}
    if blur:
        parts = [f"{r}×{r} " + ("once" if blur[r] == 1 else f"{blur[r]} times") for r in sorted(blur, key=int)]
        out += f" and its attention maps low-passed ({', '.join(parts)}, `attention_blur`)"
    refit = t.get("mapping_refit") or {}
    if refit.get("kimg") is not None:
        out += (f", its mapping network trained on alone for {kimg_text(refit['kimg'])} kimg against a new "
                "discriminator (`training.mapping_refit`)")
    psi = t.get("style_psi") or {}
    if psi:
        where = " and ".join(f"{r}×{r}" for r in sorted(psi, key=int))
        values = [float(psi[r]) for r in sorted(psi, key=int)]
        factors = f"{values[0]:g}" if len(set(values)) == 1 else ", ".join(f"{v:g}" for v in values)
        verb = "spread" if all(float(v) > 1 for v in psi.values()) else "truncated"
        out += f", with the styles of its {where} layers {verb} about the average face (ψ {factors}, `training.style_psi`)"
    return out


def total_kimg(config: dict) -> float:
    """Images shown in training, counting the run a warm start came from."""
    t = config.get("training") or {}
    return float(t["kimg"]) + float((t.get("warm_start") or {}).get("kimg") or 0)


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
           f"`{report['model']}` model at **{kimg_text(kimg)} kimg** (`training.kimg` in its `config.json`)"
           f"{refit_text(config)}{lineage_text(config)}, which ships {sum(methods.values())} directions ({parts}; `docs/figures/{LISTING}`)."]
    if total_kimg(config) < EARLY_KIMG:
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


LABEL = {"age": "predicted age", "female": "P(female)", "yaw": "yaw", "smile": "smile"}
DIGITS = {"age": 1, "female": 2, "yaw": 2, "smile": 2}


def num(key: str, x: float, sign: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:{'+' if sign else ''}.{DIGITS.get(key, 2)}f}"


def layer_text(layers) -> str:
    return "all" if layers is None else f"{layers[0]}–{layers[1]}"


def token_text(tokens) -> str:
    return "all" if tokens is None else ", ".join(str(t) for t in tokens)


def walk_section(inputs: dict) -> list[str]:
    report, stats = inputs["report"], inputs["stats"]
    named, made = report.get("named", {}), stats.get("named", {}).get("directions", {})
    if not named:
        return ["### Walking the named directions", "", "No named directions in this report."]
    lab, jud = stats["classifier"], report["judge"]
    out = ["### Walking the named directions", "",
           f"The labeller (the classifier whose labels fitted the directions, exported with the model) on held-out real images: "
           f"age MAE **{lab['age_mae']:.2f} years**, gender accuracy **{pct(lab['gender_accuracy'], 1)}**; the judge (a second "
           f"classifier, wider, trained from another seed, which measures everything below): age MAE **{jud['age_mae']:.2f} years**, "
           f"gender accuracy **{pct(jud['gender_accuracy'], 1)}** (always predicting the median: {lab['baseline_age_mae']:.2f} years; "
           f"the majority class: {pct(lab['baseline_gender_accuracy'], 1)}), on {lab['images']:,} images.", "",
           f"Each direction walked from −3 to +3 steps with its defaults, on {next(iter(named.values()))['faces']} faces that were "
           "neither labelled nor used for calibration; the judge's mean at each end, its change per step, the median over faces "
           "of the rank correlation between step and score (Spearman; +1 = every face changes monotonically), and the share of "
           "the end images in which MTCNN still finds a face. `random` is a random unit vector with `age`'s tokens, layers and "
           "step (the control).", "",
           "![attribute sweeps](figures/attribute-sweeps.png)", "",
           "| direction | tokens | layers | step (σ) | per step (labeller) | judge: −3 → +3 steps | per step | Spearman | monotonic | faces at the ends |",
           "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: |"]
    for name, r in named.items():
        k = r["score"]
        unit = r.get("unit")
        per = f"{unit['per_step']:+.{DIGITS.get(k, 2)}f} {unit['label']}" if unit else "–"
        step_sigma = r["step"] / r["sigma"] if r.get("sigma") else float("nan")
        out.append(f"| {cell(name)} | {token_text(r['tokens'])} | {layer_text(r['layers'])} | {r['step']:.2f} ({step_sigma:.1f}) | {per} "
                   f"| {LABEL[k]} {num(k, r['low'])} → {num(k, r['high'])} | {num(k, r['slopes'][k], True)} "
                   f"| {r['spearman_median']:+.2f} | {'yes' if r['monotonic'] else 'no'} | {pct(r['detected_ends'])} |")
    out += ["", *goals(named), "", *cross_section(named), "", *local_section(report, made)]
    return out


def goals(named: dict) -> list[str]:
    """Whether age and gender reach the ranges they are calibrated for."""
    out = []
    if "age" in named:
        a = named["age"]
        ok = a["low"] <= 25 and a["high"] >= 55 and a["monotonic"]
        out.append(f"- `age` takes the judge's mean predicted age from {a['low']:.1f} to {a['high']:.1f} years"
                   + (" (the aim: about 20 to about 60, monotone)." if ok else
                      f"; the aim is about 20 to about 60, monotone, which this model {'reaches only in part' if a['high'] - a['low'] >= 20 else 'does not reach'}."))
    if "gender" in named:
        g = named["gender"]
        ok = g["low"] < 0.2 and g["high"] > 0.8 and g["monotonic"]
        out.append(f"- `gender` takes the judge's mean P(female) from {g['low']:.2f} to {g['high']:.2f}"
                   + (" (the aim: below 0.2 to above 0.8, monotone)." if ok else "; the aim is below 0.2 to above 0.8, monotone, not reached here."))
    if "random" in named and "age" in named:
        r, a = named["random"], named["age"]
        share = ratio(r["high"] - r["low"], a["high"] - a["low"])
        out.append(f"- The control moves the predicted age by {r['high'] - r['low']:+.1f} years over the same walk "
                   f"({times(share)} of `age`'s change)" + (", so most of `age`'s effect is its direction, not any large move of "
                   "the same tokens' w." if share < 0.5 else ": much of `age`'s effect comes from any large move of the same "
                   "tokens' w, which ages these faces whatever its direction."))
    return out


def cross_section(named: dict) -> list[str]:
    keys = [k for k in ("age", "female", "yaw", "smile") if any(k in r["slopes"] for r in named.values())]
    out = ["**Cross-effects**: the judge's change per step of every attribute (the direction's own in bold).", "",
           "| direction | " + " | ".join(LABEL[k] for k in keys) + " |", "| --- |" + " ---: |" * len(keys)]
    for name, r in named.items():
        cells = []
        for k in keys:
            v = num(k, r["slopes"].get(k, float("nan")), True)
            cells.append(f"**{v}**" if k == r["score"] else v)
        out.append(f"| {cell(name)} | " + " | ".join(cells) + " |")
    notes = []
    for cond, base, other in (("age|gender", "age", "female"), ("gender|age", "gender", "age")):
        if cond in named and base in named:
            c, b = named[cond]["slopes"], named[base]["slopes"]
            own_key = named[base]["score"]
            kept = ratio(c[own_key], b[own_key])
            red = 1 - ratio(c[other], b[other])
            verb = (f"reduces the {LABEL[other]} cross-effect by {pct(red)} ({num(other, b[other], True)} → {num(other, c[other], True)} per step)"
                    if red > 0.1 else f"does not reduce the {LABEL[other]} cross-effect measurably ({num(other, b[other], True)} → "
                    f"{num(other, c[other], True)} per step): the attribute and {LABEL[other]} are entangled in the faces themselves, "
                    "not only in the direction")
            notes.append(f"- {code(cond)} keeps {pct(kept)} of {code(base)}'s own effect and {verb}.")
    return out + ([""] + notes if notes else [])


def local_section(report: dict, made: dict) -> list[str]:
    local, named = report.get("local", {}), report["named"]
    if not local:
        return []
    sets = report["layer_sets"]
    out = ["### Where the attributes live", "",
           "The same ±3-step edit limited to one layer set (with the direction's tokens), and to one token (with the "
           "direction's layers); the judge's change of the own attribute from −3 to +3 steps, on "
           f"{report.get('local_faces', 40)} faces. A direction's default tokens are, of the tokens whose w alone predicts "
           "its labels best (held-out R² of a ridge regression, below) and the two best alone, those whose ±3σ walk moves the "
           "labeller's score furthest; its default layers the most selective set (the largest "
           "own effect per cross-effect among the sets with at least half the largest own effect, at a provisional step).", "",
           "![per-token effect](figures/attribute-tokens.png)", "",
           "| direction | " + " | ".join(f"{n} ({v[0]}–{v[1]})" for n, v in sets.items()) + " | " +
           " | ".join(f"token {t}" for t in range(len(next(iter(local.values()))["tokens"]))) + " |",
           "| --- |" + " ---: |" * (len(sets) + len(next(iter(local.values()))["tokens"]))]
    sentences = []
    for name, l in local.items():
        k = named[name]["score"]
        cells = [num(k, l["layers"][n][k], True) for n in sets] + [num(k, t[k], True) for t in l["tokens"]]
        out.append(f"| {cell(name)} | " + " | ".join(cells) + " |")
        if "|" in name:
            continue
        tok = [t[k] for t in l["tokens"]]
        order = sorted(range(len(tok)), key=lambda i: -abs(tok[i]))
        top = order[0]
        also = [i for i in order[1:] if abs(tok[i]) >= 0.5 * abs(tok[top])]
        text = f"- {code(name)}: an edit of token {top} alone moves it most ({num(k, tok[top], True)} from −3 to +3 steps)"
        if also:
            text += ", " + ", ".join(f"token {i} {num(k, tok[i], True)}" for i in also) + " at least half as much"
        r2 = made.get(name, {}).get("token_r2")
        if r2:
            best = max(range(len(r2)), key=lambda i: r2[i])
            rest = max(v for i, v in enumerate(r2) if i != best) if len(r2) > 1 else float("nan")
            text += (f"; its labels are predicted by token {best}'s w alone (held-out R² {r2[best]:.2f}; every other token "
                     f"≤ {rest:.2f})")
        sentences.append(text + f"; default layers {layer_text(named[name]['layers'])}.")
    return out + [""] + sentences


def render(inputs: dict) -> str:
    """The text between the markers (without them)."""
    parts = [[f"<!-- Written by `python -m latentscope_train.directions_doc` from docs/figures/{REPORT}, {STATS} and "
              f"{LISTING}; edits between the markers are lost on the next run. -->"],
             overview(inputs), pca_section(inputs), walk_section(inputs)]
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
    write_text(args.doc, new)
    print(f"rewrote the results of {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
