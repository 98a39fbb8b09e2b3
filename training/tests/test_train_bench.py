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
