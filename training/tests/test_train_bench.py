import json

from latentscope_train import train_bench
from latentscope_train.model import TINY_CONFIG


def test_every_variant_is_measured_against_the_baseline(capsys):
    train_bench.main(["--steps", "2", "--warmup", "1", "--variants", "batch16,channels_last,threads1", "--json",
                      "--config", json.dumps(TINY_CONFIG), "--batch", "4", "--r1-interval", "2"])
    out = json.loads(capsys.readouterr().out)
    rows = {r["variant"]: r for r in out["rows"]}
    assert list(rows) == ["baseline", "batch16", "channels_last", "threads1"]  # the baseline first
    assert all("error" not in r for r in rows.values()), rows
    assert rows["baseline"]["ratio"] == 1.0 and rows["baseline"]["batch"] == 4
    assert rows["batch16"]["batch"] == 16 and rows["threads1"]["threads"] == 1
    for r in rows.values():
        assert r["steps"] == 2 and r["median_s"] > 0 and abs(r["images_per_s"] * r["median_s"] - r["batch"]) < 1e-6


def test_an_unknown_variant_is_refused(capsys):
    import pytest
    with pytest.raises(SystemExit):
        train_bench.main(["--variants", "fast"])
    assert "unknown variant fast" in capsys.readouterr().err


def test_a_variant_of_ones_own_adds_train_options_to_the_baselines(capsys):
    wide = {**TINY_CONFIG, "channels": {k: v * 2 if k == "16" else v for k, v in TINY_CONFIG["channels"].items()}}
    train_bench.main(["--steps", "1", "--warmup", "1", "--variants", "baseline", "--json",
                      "--config", json.dumps(wide), "--batch", "4", "--r1-interval", "2",
                      "--variant", f"narrow=--config '{json.dumps(TINY_CONFIG)}' --batch 2"])
    rows = {r["variant"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert list(rows) == ["baseline", "narrow"]
    assert all("error" not in r for r in rows.values()), rows
    assert rows["baseline"]["batch"] == 4 and rows["narrow"]["batch"] == 2   # its options replace the baseline's


def test_a_malformed_variant_is_refused_before_anything_runs(capsys):
    import pytest
    for spec, message in (("narrow", "expected NAME="), ("batch16=--batch 8", "built-in"),
                          ("odd=--no-such-option", "not train.py's")):
        with pytest.raises(SystemExit):
            train_bench.main(["--variant", spec])
        assert message in capsys.readouterr().err
