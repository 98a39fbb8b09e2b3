"""named_directions.py on planted data: token choice, the ridge vector, the
conditional projection, layer sets, the layer choice and the step calibration
(with synthetic effect functions, so no generator runs)."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TRAINING not in sys.path:
    sys.path.insert(0, TRAINING)

from latentscope_train import named_directions as nd  # noqa: E402

AGE = next(a for a in nd.ATTRIBUTES if a.name == "age")
GENDER = next(a for a in nd.ATTRIBUTES if a.name == "gender")


def unit(seed: int, n: int = 16) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(n)
    return (v / np.linalg.norm(v)).astype(np.float32)


def planted(n=2000, tokens=6, dim=16, carrier=(2,), noise=0.3, seed=0):
    """w [n, tokens, dim] with the score a linear function of the carrier tokens' w along `truth`."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((n, tokens, dim)) * np.linspace(0.5, 2.0, dim)
    truth = unit(99, dim).astype(np.float64)
    y = sum(w[:, t] @ truth for t in carrier) + rng.normal(0, noise, n)
    return w, y, truth


def test_token_r2_and_choice_find_the_carrier_tokens():
    w, y, _ = planted(carrier=(2,))
    r2 = nd.token_r2(w, y)
    assert r2.argmax() == 2 and r2[2] > 0.8 and np.delete(r2, 2).max() < 0.05
    assert nd.choose_tokens(r2) == [2]
    w, y, _ = planted(carrier=(1, 4))
    assert nd.choose_tokens(nd.token_r2(w, y)) == [1, 4]
    # No token predicts the score on its own: every token.
    assert nd.choose_tokens(np.array([0.01, -0.02, 0.0])) == [0, 1, 2]


def test_fit_vector_recovers_the_planted_direction_and_points_up():
    w, y, truth = planted(carrier=(2,))
    v, st = nd.fit_vector(w, y, [2])
    assert np.linalg.norm(v) == pytest.approx(1, abs=1e-6)
    assert float(v @ truth) > 0.98 and st["r2"] > 0.8
    v2, _ = nd.fit_vector(w, -y, [2])
    assert float(v2 @ truth) < -0.98


def test_fit_all_skips_missing_and_sparse_labels_and_uses_logits():
    w, y, truth = planted(carrier=(3,))
    p = 1 / (1 + np.exp(-y))
    age = w[:, 3] @ unit(7).astype(np.float64) * 10 + 30       # another direction, in the same token
    smile = np.full(len(y), np.nan)
    smile[:50] = 1.0                               # too few labelled faces
    logs = []
    fits = nd.fit_all(w, {"age": age, "female": p, "smile": smile}, log=logs.append)
    assert set(fits) == {"age", "gender"}
    assert fits["gender"].tokens == [3] and float(fits["gender"].vector @ truth) > 0.95
    assert fits["age"].target == (16.0, 64.0)
    assert any("yaw: no labels" in m for m in logs) and any("smile: only 50" in m for m in logs)
    cond = nd.conditional(fits)
    assert set(cond) == {"age|gender", "gender|age"}
    assert abs(float(cond["age|gender"].vector @ fits["gender"].vector)) < 1e-5
    assert np.linalg.norm(cond["age|gender"].vector) == pytest.approx(1, abs=1e-5)


def test_a_target_from_the_labels_when_the_attribute_has_none():
    w, y, _ = planted(carrier=(0,))
    fits = nd.fit_all(w, {"yaw": y}, log=lambda m: None)
    lo, hi = fits["yaw"].target
    assert lo == pytest.approx(np.percentile(y, 5)) and hi == pytest.approx(np.percentile(y, 95))


def test_project_out_removes_the_others():
    a, g, h = unit(1), unit(2), unit(3)
    c = nd.project_out(a, g, h)
    assert abs(float(c @ g)) < 1e-6 and abs(float(c @ h)) < 1e-6 and float(c @ a) > 0
    with pytest.raises(ValueError, match="span of the others"):
        nd.project_out(a, a)


def test_layer_sets_follow_resolutions():
    res = [4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64]
    sets = nd.layer_sets(res)
    assert sets == {"all": (0, 13), "coarse": (0, 4), "middle": (5, 10), "fine": (11, 13), "coarse+middle": (0, 10)}
    assert "fine" not in nd.layer_sets([4, 4, 8, 8, 8, 16, 16, 16])


def fake_effect(gain_per_set: dict, cross_per_set: dict, detect_limit=1e9):
    """Age changes by gain · length between the ends, P(female) by cross · length;
    faces disappear beyond detect_limit."""
    def effect(vector, length, layers, tokens):
        g, c = gain_per_set[layers], cross_per_set[layers]
        return {"low": {"age": 40 - g * length, "female": 0.5 - c * length},
                "high": {"age": 40 + g * length, "female": 0.5 + c * length},
                "detected": 1.0 if length <= detect_limit else 0.5}
    return effect


def fit(attr=AGE, target=(20.0, 60.0)):
    return nd.Fit(attr, unit(5), [1], [0.0, 0.4], 0.4, target)


def test_choose_layers_prefers_own_effect_over_cross_effects():
    sets = {"all": (0, 13), "coarse": (0, 4), "fine": (11, 13)}
    other = fit(GENDER, (0.15, 0.85))
    # all: big own effect but big cross-effect; fine: a bit less own, no cross;
    # coarse: no cross either, but too weak to be eligible.
    eff = fake_effect({(0, 13): 4.0, (0, 4): 1.9, (11, 13): 3.5}, {(0, 13): 0.05, (0, 4): 0.0, (11, 13): 0.01})
    pick, rows = nd.choose_layers(fit(), [other], sets, eff, 2.0, log=lambda m: None)
    assert pick == "fine"
    assert rows["all"]["own"] == pytest.approx(16 / 40) and rows["all"]["cross"] == pytest.approx(0.2 / 0.7)
    assert rows["coarse"]["selectivity"] > rows["fine"]["selectivity"]
    # Equal scores: the larger set wins (it needs the shorter step).
    eff = fake_effect({(0, 13): 3.5, (0, 4): 0.5, (11, 13): 3.5}, {(0, 13): 0.0, (0, 4): 0.0, (11, 13): 0.0})
    assert nd.choose_layers(fit(), [other], sets, eff, 2.0, log=lambda m: None)[0] == "all"


def test_calibrate_finds_the_length_that_spans_the_target():
    # span(L) = 2 · 4 · L years; the target span is 40 years: L = 5.
    eff = fake_effect({(0, 13): 4.0}, {(0, 13): 0.0})
    res = nd.calibrate(fit(), (0, 13), eff, start=1.0, iters=12, log=lambda m: None)
    assert res["length"] == pytest.approx(5.0, rel=1e-2) and not res["capped"]
    assert res["span_reached"] >= 1.0 and res["detected"] == 1.0


def test_calibrate_stops_where_faces_stop_being_detected():
    eff = fake_effect({(0, 13): 4.0}, {(0, 13): 0.0}, detect_limit=3.0)
    res = nd.calibrate(fit(), (0, 13), eff, start=1.0, iters=12, log=lambda m: None)
    assert res["capped"] and res["length"] <= 3.0 and res["length"] > 2.8
    assert res["span_reached"] == pytest.approx(res["length"] * 8 / 40)


def test_direction_carries_defaults_step_and_unit():
    d = nd.direction("age", fit(), 0.7, (0, 13), 6.0, 6.5)
    assert d.method == "attribute" and d.tokens == [1] and d.layers == [0, 13]
    assert d.step == pytest.approx(2.0) and d.step_length == pytest.approx(2.0)
    assert d.unit == {"label": "years", "per_step": 6.5}


# MARK: - token sets

def test_candidate_token_sets_are_the_share_rule_then_the_best_singles():
    assert nd.candidate_token_sets(np.array([0.1, 0.30, 0.05, 0.28])) == [[1, 3], [1], [3]]
    assert nd.candidate_token_sets(np.array([0.0, 0.5, 0.1, 0.2])) == [[1], [3]]


def token_effect(gain_per_tokens: dict, detect_ok=lambda tokens: True):
    """Age moves by gain · length where the edit touches exactly `tokens`."""
    def effect(vector, length, layers, tokens):
        g = gain_per_tokens.get(tuple(tokens), 0.0)
        return {"low": {"age": 40 - g * length}, "high": {"age": 40 + g * length},
                "detected": 1.0 if detect_ok(tokens) else 0.5}
    return effect


def test_choose_token_set_walks_each_candidate_and_keeps_the_furthest():
    w, y, truth = planted(carrier=(2, 4), noise=0.5)
    scores = {"age": y}
    f = nd.fit_all(w, scores, attributes=[nd.Attribute("age", "age", "years", (20.0, 60.0))], log=lambda m: None)["age"]
    assert f.tokens == [2, 4]
    # Token 4 alone moves age furthest per σ: it wins over the R² rule's pair.
    eff = token_effect({(2, 4): 1.0, (2,): 0.5, (4,): 3.0})
    best, rows, alone = nd.choose_token_set(f, w, scores, w, eff, log=lambda m: None)
    assert best.tokens == [4] and sorted(r["tokens"] for r in rows) == [[2], [2, 4], [4]]
    assert alone[0] == alone[1] == 0 and alone[4] > alone[2] > 0
    assert np.abs(best.vector @ truth) > 0.95 and best.r2 < f.r2  # refitted on token 4 alone
    # ... unless its walk stops being faces; and within 5% the R² rule's set stays.
    best, _, _ = nd.choose_token_set(f, w, scores, w, token_effect({(2, 4): 1.0, (2,): 0.5, (4,): 3.0},
                                                                 detect_ok=lambda t: t != [4]), log=lambda m: None)
    assert best.tokens == [2, 4]
    sig = {tuple(t): nd.token_sigma(w, nd.refit(f, w, scores, t).vector, t) for t in ([2, 4], [4])}
    near = {(2, 4): 1.0, (2,): 0.1, (4,): 1.02 * sig[(2, 4)] / sig[(4,)]}
    assert nd.choose_token_set(f, w, scores, w, token_effect(near), log=lambda m: None)[0].tokens == [2, 4]


def test_carrier_tokens_are_those_moving_the_right_way_at_least_half_as_far():
    assert nd.carrier_tokens([0.1, 1.0, -0.9, 0.5, 0.49]) == [1, 3]
    assert nd.carrier_tokens([-0.2, 0.0]) == []


def test_tokens_the_labels_are_not_read_from_can_still_carry_the_edit():
    # The label is read from token 2 alone (R²), but an edit of token 5 moves it too,
    # and token 1 the other way: the carriers [2, 5] share token 2's vector and win.
    w, y, truth = planted(carrier=(2,), noise=0.3)
    scores = {"age": y}
    f = nd.fit_all(w, scores, attributes=[nd.Attribute("age", "age", "years", (20.0, 60.0))], log=lambda m: None)["age"]
    assert f.tokens == [2]
    gains = {(2,): 1.0, (5,): 0.8, (1,): -1.0, (2, 5): 1.8}
    best, rows, alone = nd.choose_token_set(f, w, scores, w, token_effect(gains), log=lambda m: None)
    assert best.tokens == [2, 5] and rows[-1]["source"] == "carriers"
    single = next(r for r in rows if r["tokens"] == [2])
    assert np.allclose(best.vector, f.vector) and alone[1] < 0 < alone[5] < alone[2] and single["own"] > 0
    # Where the carriers' walk stops being faces, the single token stays.
    best, rows, _ = nd.choose_token_set(f, w, scores, w, token_effect(gains, detect_ok=lambda t: t != [2, 5]), log=lambda m: None)
    assert best.tokens == [2] and [2, 5] in [r["tokens"] for r in rows]


def test_edit_sigma_is_the_spread_of_the_moved_tokens_mean():
    """A saved direction's σ is of what its edits move, the mean of its tokens; for one
    token that is the token's own spread, for independent tokens about 1/√k of it."""
    rng = np.random.default_rng(3)
    w = rng.normal(size=(4000, 8, 5))
    w[:, 2, 0] *= 3.0                      # token 2 varies more along the first axis
    v = np.eye(5)[0]
    assert nd.edit_sigma(w, v, [2]) == pytest.approx(w[:, 2, 0].std())
    assert nd.edit_sigma(w, v, [0, 1, 3, 4]) == pytest.approx(0.5, rel=0.05)      # 1/√4
    assert nd.edit_sigma(w, v, list(range(8))) == pytest.approx(np.sqrt(7 + 9) / 8, rel=0.05)
    assert nd.token_sigma(w, v, [0, 1, 3, 4]) == pytest.approx(1.0, rel=0.05)    # per token, pooled
