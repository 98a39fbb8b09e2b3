"""Compact, resumable training checkpoints that fit in the repository.

A full `checkpoint.pt` (train.py) holds everything in float32: for the shipped recipe
about 60 MB. The compact form keeps what resuming needs, smallest first and most
useful first, within a byte budget (20 MB by default):

  1. step, kimg, training seconds, random states, the config, D's widths, log.csv
  2. G_ema, G and D weights, float16 (or float32 where `dtype` says so); a run with
     anchors (anchors.py): their w's in float32, their Adam moments in bfloat16
  3. Adam's second moments for G, then for D, bfloat16 (float16 would flush the
     squared gradients, ~1e-10, to zero); each group only if it still fits

Groups that do not fit are left out and said so in `omitted`; a moment left out is
rebuilt by Adam within ~1/(1-beta2) = 100 steps. The trainers' betas are (0, 0.99),
so the first moments are the last gradient and never needed.

With `dtype=torch.float32` and a budget that holds everything, loading gives back
exactly the state that was saved (tests rely on it).
"""
from __future__ import annotations

import io
import os

import torch
from .atomic import write_atomically

BUDGET = 20 * 1000 * 1000
FORMAT = "latentscope-compact-checkpoint"
FORMAT_VERSION = 1


def _cast(state: dict, dtype: torch.dtype) -> dict:
    return {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in state.items()}


def _nbytes(obj) -> int:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.tell()


def _moments(opt_state: dict, dtype: torch.dtype) -> dict:
    """The optimiser's per-parameter step and exp_avg_sq, cast to dtype."""
    return {i: dict(step=s["step"], exp_avg_sq=s["exp_avg_sq"].to(dtype)) for i, s in opt_state["state"].items()}


def _anchors(state: dict | None, dtype: torch.dtype) -> dict | None:
    """The anchors' w's as they are (float32: they are what the anchors' faces are drawn from), their moments cast."""
    if state is None:
        return None
    return {k: v.to(dtype) if k.startswith("exp_avg") else v for k, v in state.items()}


def compact(full: dict, dtype: torch.dtype = torch.float16, moment_dtype: torch.dtype = torch.bfloat16,
            budget: int = BUDGET, log_text: str | None = None) -> dict:
    """A compact checkpoint from a full one (Trainer.state()), within `budget` bytes."""
    out = dict(format=FORMAT, format_version=FORMAT_VERSION,
               config=full["config"], d_channels=full.get("d_channels"), d_detail=full.get("d_detail", 0),
               warm_start=full.get("warm_start", False), args=full["args"],
               step=full["step"], nimg=full["nimg"], train_seconds=full["train_seconds"], pl_mean=full.get("pl_mean", 0.0),
               rng=full["rng"], log=log_text, dtype=str(dtype).replace("torch.", ""), omitted=[])
    groups = [("G_ema", lambda: _cast(full["G_ema"], dtype)),
              ("G", lambda: _cast(full["G"], dtype)),
              ("D", lambda: _cast(full["D"], dtype)),
              ("anchors", lambda: _anchors(full.get("anchors"), moment_dtype)),
              ("opt_G", lambda: _moments(full["opt_G"], moment_dtype)),
              ("opt_D", lambda: _moments(full["opt_D"], moment_dtype))]
    for name, make in groups:
        value = make()
        out[name] = value
        if _nbytes(out) > budget:
            del out[name]
            out["omitted"].append(name)
    missing = [g for g in ("G_ema", "G", "D") if g in out["omitted"]]
    if missing:
        raise ValueError(f"the weights ({', '.join(missing)}) do not fit in {budget} bytes")
    return out


def save(obj: dict, path: str) -> None:
    """Write atomically: a temporary file in the same folder, fsynced, then renamed."""
    write_atomically(path, lambda tmp: torch.save(obj, tmp))


def load(path: str, device="cpu") -> dict:
    ck = torch.load(path, map_location=device, weights_only=False)
    if ck.get("format") != FORMAT:
        raise ValueError(f"{path}: not a compact checkpoint (format {ck.get('format')!r})")
    if ck.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: compact checkpoint version {ck.get('format_version')}, expected {FORMAT_VERSION}")
    return ck


def is_compact(ck: dict) -> bool:
    return ck.get("format") == FORMAT


def restore_optimizer(opt: torch.optim.Optimizer, moments: dict | None) -> None:
    """Put saved second moments (and step counts) into a freshly built Adam; the first
    moments start at zero, which betas (0, .) make exact."""
    if moments is None:
        return
    params = [p for g in opt.param_groups for p in g["params"]]
    for i, m in moments.items():
        p = params[int(i)]
        if m["exp_avg_sq"].shape != p.shape:
            raise ValueError(f"optimiser moment {i}: shape {tuple(m['exp_avg_sq'].shape)}, parameter {tuple(p.shape)}")
        step = m["step"]
        opt.state[p] = dict(step=step.clone() if torch.is_tensor(step) else torch.tensor(float(step)),
                            exp_avg=torch.zeros_like(p), exp_avg_sq=m["exp_avg_sq"].to(p.dtype).to(p.device).clone())


def main(argv=None):
    """python -m latentscope_train.checkpoint RUN/checkpoint.pt OUT.pt [--budget-mb 20]"""
    import argparse
    p = argparse.ArgumentParser(description="Write the compact, committable form of a full training checkpoint.")
    p.add_argument("full", help="a train.py checkpoint.pt")
    p.add_argument("out", help="the compact checkpoint to write (replaced atomically)")
    p.add_argument("--budget-mb", type=float, default=BUDGET / 1e6, help="size limit in MB (10^6 bytes)")
    a = p.parse_args(argv)
    full = torch.load(a.full, map_location="cpu", weights_only=False)
    if is_compact(full):
        raise SystemExit(f"{a.full} is already compact")
    log_path = os.path.join(os.path.dirname(os.path.abspath(a.full)), "log.csv")
    log_text = open(log_path).read() if os.path.exists(log_path) else None
    ck = compact(full, budget=int(a.budget_mb * 1e6), log_text=log_text)
    save(ck, a.out)
    print(f"{a.out}: step {ck['step']}, {ck['nimg'] / 1000:.1f} kimg, {os.path.getsize(a.out) / 1e6:.1f} MB"
          + (f", left out: {', '.join(ck['omitted'])}" if ck["omitted"] else ""))


if __name__ == "__main__":
    main()
