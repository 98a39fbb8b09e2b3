"""Average the weights of several exports of one training run.

    python -m latentscope_train.average --model /tmp/at64 --model /tmp/at99 --out /tmp/avg [--weights 1,1] [--weights-at 64=3,1]

G_ema already averages the generator over the last few thousand images (--ema-kimg);
averaging exports taken far apart along the same run widens that window after the
fact (Polyak averaging; "model soups" for fine-tuned copies). It works only for
models that lie in one basin: exports of the same run, not independently trained
models. `--weights-at RES=W1,W2,...` gives the synthesis layers at one resolution (its
convolutions, attention and toRGB) weights of their own, e.g. more of an earlier state's
finest layers than of the rest. The mapping changes with its weights, so `w_avg` (the centre that truncation
pulls toward) is measured again for the averaged mapping instead of being averaged.

All models must have the same architecture (config.json apart from name and training
details, the same tensor names and shapes) and the same attention softening; the
output keeps the first model's config, with the sources and their weights recorded
under `training.averaged_from`; `training` is otherwise the newest model's (by kimg),
with fields only older ones have (such as `warm_start`) added.
"""
from __future__ import annotations

import argparse
import os

import torch
import torch.nn.functional as F

from .export import read_export, write_export
from .model import lrelu

# config.json fields that may differ between exports of one architecture.
_PER_EXPORT = {"name", "training", "parameters"}


def parse_weights(spec: str | None, n: int) -> list[float]:
    """'1,2,1' -> [0.25, 0.5, 0.25]; None -> equal weights. Each weight must be positive."""
    if spec is None:
        return [1.0 / n] * n
    try:
        values = [float(v) for v in spec.split(",")]
    except ValueError:
        raise ValueError(f"--weights wants numbers separated by commas, not {spec!r}") from None
    if len(values) != n:
        raise ValueError(f"--weights gives {len(values)} weights for {n} models")
    if any(not v > 0 for v in values):
        raise ValueError(f"--weights {spec!r}: every weight must be above 0")
    total = sum(values)
    return [v / total for v in values]


def parse_weights_at(specs: list[str] | None, n: int, resolutions) -> dict[int, list[float]]:
    """['64=3,1'] -> {64: [0.75, 0.25]}: per-resolution weights, checked as --weights are."""
    out = {}
    for spec in specs or []:
        res, sep, values = spec.partition("=")
        if not sep or not res.strip().isdigit():
            raise ValueError(f"--weights-at wants RES=W1,W2,... (e.g. 64=3,1), not {spec!r}")
        if int(res) not in resolutions:
            raise ValueError(f"--weights-at {spec!r}: the model has no synthesis layers at {res}x{res} "
                             f"(it has {', '.join(str(r) for r in sorted(resolutions))})")
        if int(res) in out:
            raise ValueError(f"--weights-at gives {res} twice")
        out[int(res)] = parse_weights(values, n)
    return out


def _resolution_of(name: str) -> int | None:
    """synthesis.b64.conv0.keys -> 64; None for the mapping, the constant and w_avg."""
    parts = name.split(".")
    if len(parts) > 2 and parts[0] == "synthesis" and parts[1].startswith("b") and parts[1][1:].isdigit():
        return int(parts[1][1:])
    return None


def mapped_mean(tensors: dict[str, torch.Tensor], mapping_layers: int, z_dim: int,
                samples: int = 20000, seed: int = 0) -> torch.Tensor:
    """The mean w of the mapping in `tensors` (baked weights, as exported) over `samples`
    z ~ N(0, I): what training's running w_avg estimates."""
    z = torch.randn(samples, z_dim, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x = z * torch.rsqrt(z.square().mean(dim=-1, keepdim=True) + 1e-8)  # pixel norm, as the model does
    for i in range(mapping_layers):
        w, b = tensors[f"mapping.{i}.weight"].double(), tensors[f"mapping.{i}.bias"].double()
        x = lrelu(F.linear(x, w, b))
    return x.mean(dim=0)


def _check_same_architecture(paths, exports):
    (first_path, (first_config, first_tensors, _)) = paths[0], exports[0]
    arch = {k: v for k, v in first_config.items() if k not in _PER_EXPORT}
    scale = (first_config.get("training") or {}).get("attention_scale")
    for path, (config, tensors, _) in zip(paths[1:], exports[1:]):
        other = {k: v for k, v in config.items() if k not in _PER_EXPORT}
        differing = sorted(k for k in set(arch) | set(other) if arch.get(k) != other.get(k))
        if differing:
            raise ValueError(f"{path}: another architecture than {first_path} ({', '.join(differing)} differ)")
        if (config.get("training") or {}).get("attention_scale") != scale:
            raise ValueError(f"{path}: softened differently from {first_path} (training.attention_scale); "
                             "average the models as trained, then soften the result")
        if set(tensors) != set(first_tensors):
            raise ValueError(f"{path}: other tensors than {first_path}: "
                             f"{sorted(set(tensors) ^ set(first_tensors))[:3]}")
        for k, t in tensors.items():
            if t.shape != first_tensors[k].shape or t.dtype != first_tensors[k].dtype:
                raise ValueError(f"{path}: tensor {k!r} is {t.dtype} {tuple(t.shape)}, "
                                 f"in {first_path} {first_tensors[k].dtype} {tuple(first_tensors[k].shape)}")


def average(paths: list[str], out: str, weights: list[float] | None = None, name: str | None = None,
            w_avg_samples: int = 20000, weights_at: dict[int, list[float]] | None = None) -> dict:
    """Writes the weighted average of the exported models at `paths` to `out` and returns
    its config; `weights_at` overrides `weights` for the synthesis layers at a resolution.
    Raises ValueError when they cannot be averaged."""
    if len(paths) < 2:
        raise ValueError("average needs at least two models")
    weights = weights or [1.0 / len(paths)] * len(paths)
    exports = [read_export(p) for p in paths]
    _check_same_architecture(paths, exports)
    config, first_tensors, metadata = exports[0]
    weights_at = weights_at or {}
    resolutions = {int(r) for r in config["channels"]}
    for res, wts in weights_at.items():
        if res not in resolutions or len(wts) != len(paths):
            raise ValueError(f"weights at {res}: {len(wts)} weights for {len(paths)} models at "
                             f"resolutions {sorted(resolutions)}")
    tensors = {}
    for k, t in first_tensors.items():
        wk = weights_at.get(_resolution_of(k), weights)
        mean = sum(wt * e[1][k].double() for wt, e in zip(wk, exports))
        tensors[k] = mean.to(t.dtype)
    w_avg = mapped_mean(tensors, config["mapping_layers"], config["z_dim"], w_avg_samples)
    tensors["w_avg"] = w_avg.to(first_tensors["w_avg"].dtype)

    config = dict(config)
    config["name"] = name or os.path.basename(os.path.normpath(out))
    # The run's length and time are the newest source's; averaging adds no training.
    newest = max(exports, key=lambda e: (e[0].get("training") or {}).get("kimg") or 0.0)[0]
    training = dict(newest.get("training") or {})
    for c, _, _ in exports:  # lineage the newest export lacks (a warm start recorded by hand)
        for k, v in (c.get("training") or {}).items():
            training.setdefault(k, v)
    sources = []
    for p, wt, (c, _, _) in zip(paths, weights, exports):
        t = c.get("training") or {}
        source = {"model": c.get("name") or os.path.basename(os.path.normpath(p)),
                  "kimg": t.get("kimg"), "steps": t.get("steps"), "weight": round(wt, 6)}
        # A source that is itself an average keeps its own recipe under its entry.
        source.update({k: t[k] for k in ("averaged_from", "averaged_weights_at") if k in t})
        sources.append(source)
    training["averaged_from"] = sources
    training.pop("averaged_weights_at", None)  # a source's, not this average's
    if weights_at:
        training["averaged_weights_at"] = {str(r): [round(w, 6) for w in wts] for r, wts in sorted(weights_at.items())}
    config["training"] = training
    os.makedirs(out, exist_ok=True)
    write_export(out, config, tensors, metadata)
    return config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", action="append", required=True, help="exported model folder (give two or more)")
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--weights", default=None, help="W1,W2,...: relative weight of each --model (default equal)")
    p.add_argument("--weights-at", action="append", default=None, metavar="RES=W1,W2,...",
                   help="weights of their own for the synthesis layers at resolution RES (repeatable)")
    p.add_argument("--name", default=None, help="model name (default: the --out folder's name)")
    p.add_argument("--w-avg-samples", type=int, default=20000, help="z samples for the averaged mapping's w_avg")
    args = p.parse_args(argv)
    try:
        if os.path.normpath(args.out) in {os.path.normpath(m) for m in args.model}:
            raise ValueError("--out must not be one of the --model folders")
        n = len(args.model)
        resolutions = {int(r) for r in read_export(args.model[0])[0]["channels"]}
        config = average(args.model, args.out, parse_weights(args.weights, n), args.name,
                         args.w_avg_samples, parse_weights_at(args.weights_at, n, resolutions))
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"average: {e}\n")
    sources = ", ".join(f"{s['model']} ({s['kimg']} kimg) x{s['weight']:.3g}" for s in config["training"]["averaged_from"])
    at = "".join(f"; at {r}: " + ", ".join(f"x{w:.3g}" for w in wts)
                 for r, wts in (config["training"].get("averaged_weights_at") or {}).items())
    print(f"averaged {sources}{at}: {args.out}")


if __name__ == "__main__":
    main()
