"""Named directions (age, gender, yaw, smile and the conditional variants):
the tokens and layers each attribute lives in, a vector fitted there, and a
step calibrated so that the default walk of ±3 steps carries the attribute
across its range.

InterFaceGAN fits one boundary in w for the whole image. This model gives
every image T style tokens, each its own w, and an attribute may be carried
by one or two of them: on the bundled model, token 1's w alone predicts 36%
of the variance of the classifier's age and 51% of its gender logit on
held-out faces, the mean of all tokens' w 7%. So, per attribute:

1. Labels: generated faces scored by the *labeller* (attribute_classifier.py's
   classifier; landmarks.py's labeller for yaw and smile).
2. Tokens: ridge regression of the score on each token's w alone; held-out
   R² (5-fold). The candidates are the tokens with at least half the best
   token's R², and each of the two best tokens alone; each gets its own
   vector (3.) and is walked ±3σ (its own σ) on all layers, and the one that
   moves the labeller's score furthest while the ends stay faces wins. (R²
   alone misleads: on the first release the mean of smile's tokens 4 and 5
   had R² 0.05 where token 5 alone had 0.27, and editing token 7 moved the
   judge's yaw 2.4× as far as the R²-chosen token 4.)
3. Vector: ridge regression on the mean w of those tokens (λ by held-out R²),
   normalised; it points to higher scores. `a|b` is a's vector with b's
   projected out (InterFaceGAN's conditional edit), refitted nothing.
4. Layers: the same edit limited to each layer set (coarse, middle, fine,
   coarse+middle, all) at a provisional length; of the sets with at least
   half the largest own effect, the one with the largest own effect per
   cross-effect (each in units of its attribute's target span) becomes the
   default.
5. Step: the length L in w at which the labeller's mean score moves across
   the target span between −L and +L (bisection); step = L / 3, so ±3 steps
   is the walk. L is capped where faces stop being detected (MTCNN finds a
   face in fewer than 90% of the walk's end images).

The evidence (direction_report.py) is measured by a different network, the
*judge*, so it does not confirm the labeller's own labels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import directions_io

STEPS = 3                 # the default walk is -STEPS ... +STEPS steps
MIN_DETECTED = 0.9        # the walk's ends must stay faces this often
# Token sets are compared at ±COMPARE σ, short of where a bounded score (P(female))
# saturates for every candidate, and a token is a carrier if it moves the score at
# ±CARRIER_PROBE σ: some tokens only act on the image once their w has moved far.
COMPARE = STEPS / 2
CARRIER_PROBE = 2 * STEPS
LAMBDAS = (1e-3, 1e-2, 1e-1, 1.0)


@dataclass(frozen=True)
class Attribute:
    name: str                            # the direction's name
    score: str                           # the scorers' key
    label: str                           # the unit shown to users
    target: tuple[float, float] | None   # mean score at -3 and +3 steps; None: the labels' 5th-95th percentile
    logit: bool = False                  # regress the logit (a probability)


# The aims are age about 20 -> 60 and P(female) < 0.2 -> > 0.8 as a second network
# (the judge) sees them. A network sees less change in images edited toward
# another network's labels than that network does (on the bundled model the
# judge saw 18.8 -> 54.9 years and 0.13 -> 0.73 for the targets 20 -> 60 and
# 0.15 -> 0.85), so the labeller's targets are wider than the aims.
ATTRIBUTES = [
    Attribute("age", "age", "years", (16.0, 64.0)),
    Attribute("gender", "female", "P(female)", (0.08, 0.92), logit=True),
    Attribute("yaw", "yaw", "yaw", None),
    Attribute("smile", "smile", "smile", None),
]
CONDITIONAL = {"age|gender": ("age", ("gender",)), "gender|age": ("gender", ("age",))}


def layer_sets(resolutions: list[int]) -> dict[str, tuple[int, int]]:
    """W+ layer ranges by resolution, as StyleGAN names them (and the engine's
    `--layers coarse|middle|fine`): coarse 4²-8², middle 16²-32², fine 64² and up."""
    def span(lo, hi):
        idx = [i for i, r in enumerate(resolutions) if lo <= r <= hi]
        return (idx[0], idx[-1]) if idx else None
    sets = {"all": (0, len(resolutions) - 1), "coarse": span(4, 8), "middle": span(16, 32), "fine": span(64, 1 << 20),
            "coarse+middle": span(4, 32)}
    return {k: v for k, v in sets.items() if v is not None}


# MARK: - fitting

def _prepare(y: np.ndarray, logit: bool) -> np.ndarray:
    if not logit:
        return y.astype(np.float64)
    p = np.clip(y.astype(np.float64), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def ridge(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Coefficients of y ~ x (both centred), penalty lam · n · |β|²."""
    xc, yc = x - x.mean(0), y - y.mean()
    return np.linalg.solve(xc.T @ xc + lam * len(x) * np.eye(x.shape[1]), xc.T @ yc)


def heldout_r2(x: np.ndarray, y: np.ndarray, lam: float, folds: int = 5) -> float:
    """R² of ridge predictions on held-out folds (every folds-th sample)."""
    pred = np.empty_like(y, dtype=np.float64)
    idx = np.arange(len(y))
    for f in range(folds):
        te = idx % folds == f
        b = ridge(x[~te], y[~te], lam)
        pred[te] = (x[te] - x[~te].mean(0)) @ b + y[~te].mean()
    return float(1 - ((pred - y) ** 2).mean() / y.var())


def token_r2(w: np.ndarray, y: np.ndarray, lam: float = 0.1) -> np.ndarray:
    """Held-out R² of the score from each token's w alone: w [N, T, w_dim] -> [T]."""
    return np.array([heldout_r2(w[:, t].astype(np.float64), y, lam) for t in range(w.shape[1])])


def choose_tokens(r2: np.ndarray, share: float = 0.5) -> list[int]:
    """The tokens with at least `share` of the best token's R²; all tokens when
    no token predicts the score on its own (best R² <= 0.02)."""
    best = float(r2.max())
    if best <= 0.02:
        return list(range(len(r2)))
    return [int(t) for t in np.flatnonzero(r2 >= share * best)]


def fit_vector(w: np.ndarray, y: np.ndarray, tokens: list[int]) -> tuple[np.ndarray, dict]:
    """The unit ridge normal on the mean w of `tokens`, pointing to higher y."""
    x = w[:, tokens].mean(1).astype(np.float64)
    scores = {lam: heldout_r2(x, y, lam) for lam in LAMBDAS}
    lam = max(scores, key=scores.get)
    b = ridge(x, y, lam)
    return (b / np.linalg.norm(b)).astype(np.float32), {"lambda": lam, "r2": scores[lam]}


@dataclass
class Fit:
    attribute: Attribute
    vector: np.ndarray
    tokens: list[int]
    token_r2: list[float]
    r2: float
    target: tuple[float, float]


def fit_all(w: np.ndarray, scores: dict[str, np.ndarray], attributes=ATTRIBUTES, log=print) -> dict[str, Fit]:
    """Tokens and vector of every attribute whose labels are present (NaN labels,
    e.g. faces the landmark network did not find, are left out)."""
    fits = {}
    for a in attributes:
        if a.score not in scores:
            log(f"{a.name}: no labels, skipped")
            continue
        y = scores[a.score]
        ok = np.isfinite(y)
        if ok.sum() < 100:
            log(f"{a.name}: only {int(ok.sum())} labelled faces, skipped")
            continue
        yy = _prepare(y[ok], a.logit)
        r2 = token_r2(w[ok], yy)
        tokens = choose_tokens(r2)
        vec, st = fit_vector(w[ok], yy, tokens)
        target = a.target or tuple(float(v) for v in np.percentile(y[ok], [5, 95]))
        fits[a.name] = Fit(a, vec, tokens, [float(v) for v in r2], st["r2"], target)
        log(f"{a.name}: tokens {tokens} (R² per token {' '.join(f'{v:.2f}' for v in r2)}), R² {st['r2']:.3f} on their mean w")
    return fits


def refit(fit: Fit, w: np.ndarray, scores: dict[str, np.ndarray], tokens: list[int]) -> Fit:
    """`fit` refitted on other tokens (the same labels, as fit_all prepares them)."""
    y = scores[fit.attribute.score]
    ok = np.isfinite(y)
    vec, st = fit_vector(w[ok], _prepare(y[ok], fit.attribute.logit), tokens)
    return Fit(fit.attribute, vec, list(tokens), fit.token_r2, st["r2"], fit.target)


def candidate_token_sets(r2: np.ndarray, singles: int = 2) -> list[list[int]]:
    """choose_tokens' set, then each of the `singles` best tokens alone (no repeats)."""
    sets = [choose_tokens(r2)]
    for t in np.argsort(-r2, kind="stable")[:singles]:
        if [int(t)] not in sets:
            sets.append([int(t)])
    return sets


def carrier_tokens(alone: list[float], share: float = 0.5) -> list[int]:
    """The tokens whose edit alone moves the attribute the right way by at least
    `share` of the furthest such move (none when no token moves it up)."""
    best = max(alone)
    if not best > 0:
        return []
    return [t for t, v in enumerate(alone) if v >= share * best]


def choose_token_set(fit: Fit, w: np.ndarray, scores: dict[str, np.ndarray], wt: np.ndarray, effect: "Effect",
                     log=print) -> tuple[Fit, list[dict], list[float]]:
    """The candidate token set whose edit, ±COMPARE σ of its own σ on all layers,
    moves the attribute furthest in units of its target span; only sets whose
    walk ends stay faces (MIN_DETECTED) compete, if any do. Ties within 5% go to
    the set listed first (the R² rule's).

    The candidates are candidate_token_sets' (each refitted on its tokens), then
    the carriers: the best-predicting token's vector is walked ±CARRIER_PROBE σ
    on every token alone, and the tokens it moves the right way by at least
    half as far as the furthest one share that vector. R² sees only the token a
    label is read from; the carriers are every token the attribute can be
    written into. Returns the fit, the candidates' rows and the single-token
    moves (target spans, per token)."""
    rows = []

    def walk(f: Fit, source: str) -> dict:
        sigma = token_sigma(wt, f.vector, f.tokens)
        e = effect(f.vector, COMPARE * sigma, None, f.tokens)
        own = normalised_change(e, f.attribute, f.target)
        row = {"tokens": list(f.tokens), "source": source, "r2": f.r2, "sigma": sigma, "own": own, "detected": e["detected"], "fit": f}
        rows.append(row)
        log(f"  {fit.attribute.name} on tokens {f.tokens} ({source}): R² {f.r2:.3f}, ±{COMPARE:g}σ moves {own:+.2f} of the target span, "
            f"faces at the ends {e['detected'] * 100:.0f}%")
        return row

    r2 = np.asarray(fit.token_r2)
    rule = candidate_token_sets(r2)
    for i, tokens in enumerate(rule):
        walk(fit if tokens == fit.tokens else refit(fit, w, scores, tokens), "R² rule" if i == 0 else "best alone")
    b = int(np.argmax(r2))
    base = next(r for r in rows if r["tokens"] == [b])
    alone = []
    for t in range(len(r2)):
        e = effect(base["fit"].vector, CARRIER_PROBE * base["sigma"], None, [t])
        alone.append(normalised_change(e, fit.attribute, fit.target))
    log(f"  {fit.attribute.name}: token {b}'s vector at ±{CARRIER_PROBE}σ on each token alone moves {' '.join(f'{v:+.2f}' for v in alone)}")
    carriers = carrier_tokens(alone)
    if carriers and all(r["tokens"] != carriers for r in rows):
        f = base["fit"]
        walk(Fit(f.attribute, f.vector, carriers, f.token_r2, f.r2, f.target), "carriers")
    ok = [r for r in rows if r["detected"] >= MIN_DETECTED] or rows
    top = max(r["own"] for r in ok)
    pick = next(r for r in ok if r["own"] >= 0.95 * top)
    return pick["fit"], [{k: v for k, v in r.items() if k != "fit"} for r in rows], alone


def conditional(fits: dict[str, Fit]) -> dict[str, Fit]:
    """`a|b` fits: a's vector with b's removed, on a's tokens."""
    out = {}
    for name, (a, others) in CONDITIONAL.items():
        if a in fits and all(o in fits for o in others):
            f = fits[a]
            out[name] = Fit(f.attribute, project_out(f.vector, *[fits[o].vector for o in others]),
                            f.tokens, f.token_r2, f.r2, f.target)
    return out


def project_out(d: np.ndarray, *others: np.ndarray) -> np.ndarray:
    """`d` with the span of `others` removed (Gram-Schmidt), normalised."""
    basis = []
    for o in others:
        v = o.astype(np.float64)
        for q in basis:
            v = v - (v @ q) * q
        basis.append(v / np.linalg.norm(v))
    r = d.astype(np.float64)
    for q in basis:
        r = r - (r @ q) * q
    if np.linalg.norm(r) < 1e-3:
        raise ValueError("the direction lies in the span of the others: nothing is left to walk")
    return (r / np.linalg.norm(r)).astype(np.float32)


# MARK: - calibration

Effect = Callable[[np.ndarray, float, tuple[int, int] | None, list[int]], dict]
"""effect(vector, length, layers, tokens) -> {"low": {score: mean}, "high": {score: mean}, "detected": share}:
the mean scores of the calibration faces moved by -length and +length."""


def normalised_change(e: dict, a: Attribute, target: tuple[float, float]) -> float:
    span = target[1] - target[0]
    return (e["high"][a.score] - e["low"][a.score]) / span


def choose_layers(fit: Fit, others: list[Fit], sets: dict[str, tuple[int, int]], effect: Effect, length: float,
                  log=print) -> tuple[str, dict]:
    """The layer set whose edit is the most selective: among the sets with at
    least half the largest own change (smaller ones would need a much longer
    step), the largest own change per cross-effect (all in units of each
    attribute's target span), at one provisional length. Within 5% the larger
    set wins, since it needs the shorter step."""
    rows = {}
    for name, layers in sets.items():
        e = effect(fit.vector, length, layers, fit.tokens)
        own = normalised_change(e, fit.attribute, fit.target)
        cross = sum(abs(normalised_change(e, o.attribute, o.target)) for o in others if o.attribute.score in e["high"])
        rows[name] = {"layers": list(layers), "own": own, "cross": cross, "selectivity": own / (cross + 0.05), "detected": e["detected"]}
        log(f"  {fit.attribute.name} on {name:13s} layers {layers}: own {own:+.2f}, cross {cross:.2f} (target spans)")
    ok = {k: v for k, v in rows.items() if v["detected"] >= MIN_DETECTED} or rows
    top = max(v["own"] for v in ok.values())
    ok = {k: v for k, v in ok.items() if v["own"] >= 0.5 * top}
    best = max(v["selectivity"] for v in ok.values())
    near = [k for k, v in ok.items() if v["selectivity"] >= 0.95 * best]
    pick = max(near, key=lambda k: rows[k]["layers"][1] - rows[k]["layers"][0])
    return pick, rows


def calibrate(fit: Fit, layers: tuple[int, int], effect: Effect, start: float, max_length: float = 64.0,
              iters: int = 5, log=print) -> dict:
    """The length L in w at which the mean score moves across the target span
    between -L and +L: doubling from `start` until the span is reached (or faces
    stop being detected, or `max_length`), then bisection. Returns
    {"length", "span_reached" (share of the target span), "detected", "capped"}."""
    want = 1.0
    def measure(length):
        e = effect(fit.vector, length, layers, fit.tokens)
        return normalised_change(e, fit.attribute, fit.target), e["detected"]
    lo, hi = 0.0, start
    got, det = measure(hi)
    best = (hi, got, det)
    while got < want and det >= MIN_DETECTED and hi < max_length:
        lo, hi = hi, min(hi * 2, max_length)
        got, det = measure(hi)
        if det >= MIN_DETECTED and got > best[1]:
            best = (hi, got, det)
    capped = not (got >= want and det >= MIN_DETECTED)
    if got >= want and det >= MIN_DETECTED:
        best = (hi, got, det)
    for _ in range(iters):
        mid = (lo + hi) / 2
        g, d = measure(mid)
        if d < MIN_DETECTED or g >= want:
            hi = mid
            if d >= MIN_DETECTED:
                best = (mid, g, d)
        else:
            lo = mid
            if capped and g > best[1]:
                best = (mid, g, d)
    length, got, det = best
    log(f"  {fit.attribute.name}: L {length:.2f} moves the mean score by {got:.2f} of the target span "
        f"{fit.target[0]:.3g} -> {fit.target[1]:.3g}, faces detected at the ends {det * 100:.0f}%" + (" (capped)" if capped else ""))
    return {"length": float(length), "span_reached": float(got), "detected": float(det), "capped": bool(capped)}


def direction(name: str, fit: Fit, sigma: float, layers: tuple[int, int], length: float, per_step: float) -> directions_io.Direction:
    return directions_io.Direction(name, fit.vector, float(sigma), directions_io.ATTRIBUTE, layers=[int(layers[0]), int(layers[1])],
                                   tokens=list(fit.tokens), step=float(length / STEPS),
                                   unit={"label": fit.attribute.label, "per_step": float(per_step)})


def token_sigma(w: np.ndarray, vector: np.ndarray, tokens: list[int]) -> float:
    """σ of the chosen tokens' w along the vector (per token, pooled): the scale the
    layer choice and the calibration start from."""
    return float((w[:, tokens].reshape(-1, w.shape[-1]).astype(np.float64) @ vector.astype(np.float64)).std())


def edit_sigma(w: np.ndarray, vector: np.ndarray, tokens: list[int]) -> float:
    """The direction's σ as saved (directions_io): of what an edit moves, the mean of the
    chosen tokens, along the vector (w [N, T, w_dim])."""
    return float((w[:, tokens].astype(np.float64).mean(axis=1) @ vector.astype(np.float64)).std())


def finite_mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan
