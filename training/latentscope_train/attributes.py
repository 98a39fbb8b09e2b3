"""Named attribute directions: `age`, `gender`, `yaw`, `smile` and the
conditional `age|gender`, `gender|age` (after InterFaceGAN, Shen et al. 2020;
named_directions.py has the method).

    python -m latentscope_train.attributes --model ../assets/models/utkface64 --data ../../shared/datasets/utkface64

1. Two attribute classifiers (attribute_classifier.py), small CNNs trained on
   the real UTKFace images: the *labeller*, whose labels fit the directions and
   which is exported with the model, and the *judge*, which only measures them
   (direction_report.py). Pinned in training/classifiers/, so every release is
   labelled and measured by the same two networks (`--retrain` replaces them).
2. Yaw and smile come from facial landmarks (landmarks.py), when its networks
   are installed; the labeller and the judge are different networks there too.
3. Generated samples (faces.py): `--samples` seeds from a fixed first seed,
   scored (scoring.py) and cached.
4. named_directions.py: the tokens and layers each attribute lives in, a
   ridge normal there, and a step calibrated on `--calibration-faces` other
   faces so that ±3 steps spans the attribute's range. Signs: `age` points
   older, `gender` to "female" (UTKFace's label 1).

Writes MODEL/directions (merged: earlier `attribute` directions are replaced,
PCA/SeFa/other entries keep their place) and the labeller to
MODEL/attributes.* (classifier_export.py) when that module is present.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from . import directions_io
from .attribute_classifier import DEFAULT_CACHE, JUDGE, LABELLER, PINNED, classifier
from .faces import sample_tokens
from .scoring import labelled_samples, make_effect, scorer

CALIBRATION_FIRST_SEED = (1 << 41) + (1 << 32)   # apart from the labelled and the evaluated faces


def named_directions(G, labeller: Scorer, samples: int, calibration_faces: int = 48, face_check: bool = True,
                     cache: str | None = None, log=print) -> tuple[list, dict]:
    """Labels, fits, localises and calibrates every named direction (named_directions.py)."""
    from . import named_directions as nd
    t0 = time.time()
    w, scores = labelled_samples(G, labeller, samples, cache, log=log)
    fits = nd.fit_all(w, scores, log=log)
    sets = nd.layer_sets([s.res for s in G.cfg.layer_specs()])
    cal = np.arange(CALIBRATION_FIRST_SEED, CALIBRATION_FIRST_SEED + calibration_faces, dtype=np.uint64)
    effect = make_effect(G, labeller, cal, face_check)
    wt = sample_tokens(G, 2000)
    token_rows, token_alone = {}, {}
    for name in list(fits):
        log(f"{name}: tokens")
        fits[name], token_rows[name], token_alone[name] = nd.choose_token_set(fits[name], w, scores, wt, effect, log=log)
    fits |= nd.conditional(fits)
    base = {n: f for n, f in fits.items() if "|" not in n}
    dirs, stats = [], {"samples": samples, "calibration_faces": calibration_faces, "layer_sets": {k: list(v) for k, v in sets.items()},
                       "label_means": {k: nd.finite_mean(v) for k, v in scores.items()}, "directions": {}}
    chosen = {}
    for name, fit in fits.items():
        sigma = nd.token_sigma(wt, fit.vector, fit.tokens)
        root = name.split("|")[0]
        if root in chosen:
            layer_name, rows = chosen[root], None
        else:
            log(f"{name}: layers")
            layer_name, rows = nd.choose_layers(fit, [f for n, f in base.items() if n != name], sets, effect, nd.STEPS * sigma, log=log)
            chosen[root] = layer_name
        cal_res = nd.calibrate(fit, sets[layer_name], effect, start=nd.STEPS * sigma, log=log)
        per_step = cal_res["span_reached"] * (fit.target[1] - fit.target[0]) / (2 * nd.STEPS)
        dirs.append(nd.direction(name, fit, nd.edit_sigma(wt, fit.vector, fit.tokens), sets[layer_name], cal_res["length"], per_step))
        stats["directions"][name] = {"tokens": fit.tokens, "token_r2": fit.token_r2, "token_sets": token_rows.get(root),
                                     "token_alone": token_alone.get(root),
                                     "r2": fit.r2, "target": list(fit.target),
                                     "sigma": dirs[-1].sigma, "token_sigma": sigma, "layers": layer_name, "layer_rows": rows, "calibration": cal_res,
                                     "step": cal_res["length"] / nd.STEPS, "per_step": per_step, "label": fit.attribute.label}
    order = ["age", "gender", "yaw", "smile", "age|gender", "gender|age"]
    dirs.sort(key=lambda d: order.index(d.name) if d.name in order else len(order))
    stats["seconds"] = round(time.time() - t0, 1)
    return dirs, stats


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="model folder (config.json + generator.safetensors)")
    p.add_argument("--data", required=True, help="utkface64 folder (zip shards + labels.csv)")
    p.add_argument("--samples", type=int, default=3000, help="generated faces to label (100-10000)")
    p.add_argument("--calibration-faces", type=int, default=48, help="faces the layer choice and the step are measured on")
    p.add_argument("--epochs", type=int, default=8, help="classifier training epochs")
    p.add_argument("--cache", default=DEFAULT_CACHE, help="cache folder for the classifiers ('' for none)")
    p.add_argument("--retrain", action="store_true",
                   help="train the classifiers anew and replace the pinned ones (--pinned)")
    p.add_argument("--pinned", default=PINNED,
                   help="folder of the pinned classifiers ('' for none: cached or trained ones)")
    p.add_argument("--no-landmarks", action="store_true", help="leave out yaw and smile")
    p.add_argument("--no-face-check", action="store_true",
                   help="do not cap the step where MTCNN stops finding faces (for models too small to look like faces)")
    p.add_argument("--out", default=None, help="directions folder (default MODEL/directions)")
    p.add_argument("--stats", default=None, help="write the classifier and fit numbers to this JSON file")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    if not 100 <= args.samples <= 10000:
        p.error("--samples must be between 100 and 10000")
    if args.calibration_faces < 2:
        p.error("--calibration-faces must be at least 2")
    torch.set_num_threads(args.threads)
    if not args.no_face_check:
        from .facecheck import facenet_available
        ok, why = facenet_available()
        if not ok:
            raise SystemExit(f"the face check needs facenet-pytorch ({why}): pip install --no-deps -r training/requirements-eval.txt, "
                             "or pass --no-face-check")
    from .export import load_exported
    G = load_exported(args.model)
    if args.retrain:
        for role in (LABELLER, JUDGE):
            classifier(args.data, args.cache or None, epochs=args.epochs, retrain=True, pinned_dir=args.pinned or None,
                       pin=bool(args.pinned), **role)
    labeller, metrics = scorer("labeller", args.data, args.cache or None, args.epochs, not args.no_landmarks,
                               pinned_dir=args.pinned or None)
    dirs, stats = named_directions(G, labeller, args.samples, args.calibration_faces, not args.no_face_check, args.cache or None)
    for d in dirs:
        print(f"{d.name}: tokens {d.tokens}, layers {d.layers[0]}-{d.layers[1]}, σ {d.sigma:.3f}, "
              f"step {d.step:.3f} ({d.unit['per_step']:+.3g} {d.unit['label']} per step)")
    out = args.out or os.path.join(args.model, "directions")
    merged = directions_io.merge(out, dirs, lambda d: d.method == directions_io.ATTRIBUTE, G.cfg.w_dim)
    print(f"saved {', '.join(d.name for d in dirs)} to {out} ({len(merged)} in the folder)")
    try:
        from .classifier_export import export_classifier
    except ImportError:
        export_classifier = None
    if export_classifier and not args.out:
        export_classifier(labeller.net, args.model, metrics)
        print(f"exported the labeller to {args.model}/attributes.safetensors")
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump({"classifier": metrics, "named": stats}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
