"""The compact checkpoint: what a new machine resumes from (training/checkpoints/)."""
import os

import pytest
import torch

from latentscope_train import checkpoint
from latentscope_train.train import Trainer, parse_args


def args(run, data, config, *extra):
    return parse_args(["--run", str(run), "--data", data, "--config", config, "--batch", "4", "--threads", "1",
                       "--log-every", "1", "--sample-every", "0", "--r1-interval", "2", "--limit-images", "16",
                       "--d-channels", "1.5", *extra])


def states(t):
    return {name: {k: v.detach().clone() for k, v in m.state_dict().items()}
            for name, m in [("G", t.G), ("D", t.D), ("G_ema", t.G_ema)]}


def assert_same(a, b, atol=0.0, rtol=0.0):
    for name in a:
        for k in a[name]:
            x, y = a[name][k].float(), b[name][k].float()
            assert torch.allclose(x, y, atol=atol, rtol=rtol), f"{name}.{k}: max diff {(x - y).abs().max()}"


@pytest.mark.parametrize("extra", [(), ("--pl-weight", "2", "--pl-interval", "1")], ids=["recipe", "path-length"])
def test_resume_on_a_new_machine_equals_an_uninterrupted_run(tmp_path, shards, small64_json, extra):
    """Save compact (float32), load into a new trainer in an empty run folder, one more
    step: the same weights as three steps without a break (with path length
    regularisation, its running mean must come back too)."""
    straight = Trainer(args(tmp_path / "straight", shards, small64_json, *extra))
    for _ in range(3):
        straight.train_step()

    first = Trainer(args(tmp_path / "first", shards, small64_json, *extra))
    first.train_step(); first.train_step()
    path = str(tmp_path / "repo" / "ck.pt")
    checkpoint.save(checkpoint.compact(first.state(), dtype=torch.float32, moment_dtype=torch.float32,
                                       budget=10**9, log_text="step,kimg\n1,0.004\n"), path)

    second = Trainer(args(tmp_path / "new-machine", shards, small64_json, "--resume-from", path, *extra))
    assert second.step == 2 and second.nimg == 8
    assert second.pl_mean.item() == first.pl_mean.item()
    assert (second.pl_mean.item() > 0) == bool(extra)
    assert open(tmp_path / "new-machine" / "log.csv").read() == "step,kimg\n1,0.004\n"
    second.train_step()
    assert second.step == straight.step == 3
    assert_same(states(straight), states(second))
    # the moments went through too: Adam's second moment of G's first parameter
    p0 = next(second.G.parameters())
    assert torch.equal(second.opt_G.state[p0]["exp_avg_sq"], straight.opt_G.state[next(straight.G.parameters())]["exp_avg_sq"])


def test_float16_checkpoint_is_close_and_within_budget(tmp_path, shards, small64_json):
    t = Trainer(args(tmp_path / "a", shards, small64_json))
    t.train_step()
    full = t.state()
    ck = checkpoint.compact(full)
    path = str(tmp_path / "ck.pt")
    checkpoint.save(ck, path)
    assert os.path.getsize(path) <= checkpoint.BUDGET
    assert ck["G"]["synthesis.const"].dtype == torch.float16 and ck["omitted"] == []
    u = Trainer(args(tmp_path / "b", shards, small64_json, "--resume-from", path))
    assert u.step == 1
    assert_same(states(t), states(u), atol=1e-6, rtol=2 ** -10)  # float16: 11-bit mantissa


def test_budget_leaves_out_moments_first_and_refuses_weights(tmp_path, shards, small64_json):
    t = Trainer(args(tmp_path / "a", shards, small64_json))
    t.train_step()
    full = t.state()
    whole = checkpoint._nbytes(checkpoint.compact(full))
    no_d_moments = checkpoint.compact(full, budget=whole - 1)
    assert "opt_D" in no_d_moments["omitted"] and "G" in no_d_moments
    assert checkpoint._nbytes(no_d_moments) <= whole - 1
    with pytest.raises(ValueError, match="do not fit"):
        checkpoint.compact(full, budget=1000)
    # a trainer resumes without the left-out moments
    path = str(tmp_path / "ck.pt")
    checkpoint.save(no_d_moments, path)
    u = Trainer(args(tmp_path / "b", shards, small64_json, "--resume-from", path))
    assert u.step == 1 and len(u.opt_D.state) == 0 and len(u.opt_G.state) > 0
    u.train_step()


def test_local_checkpoint_wins_when_it_is_further_along(tmp_path, shards, small64_json):
    run = tmp_path / "run"
    t = Trainer(args(run, shards, small64_json, "--kimg", "0.004"))
    t.run()  # one step, writes run/checkpoint.pt
    path = str(tmp_path / "old.pt")
    checkpoint.save(checkpoint.compact(t.state()), path)
    u = Trainer(args(run, shards, small64_json, "--kimg", "0.008"))
    u.run()  # step 2 locally
    v = Trainer(args(run, shards, small64_json, "--resume-from", path))
    assert v.step == 2  # not the compact one at step 1


def test_compact_checkpoint_refuses_another_architecture(tmp_path, shards, small64_json):
    t = Trainer(args(tmp_path / "a", shards, small64_json))
    path = str(tmp_path / "ck.pt")
    checkpoint.save(checkpoint.compact(t.state()), path)
    with pytest.raises(SystemExit, match="another architecture"):
        Trainer(parse_args(["--run", str(tmp_path / "b"), "--data", shards, "--config", small64_json,
                            "--limit-images", "16", "--d-channels", "2", "--resume-from", path]))


def test_not_a_compact_checkpoint(tmp_path):
    path = tmp_path / "x.pt"
    torch.save({"step": 1}, path)
    with pytest.raises(ValueError, match="not a compact checkpoint"):
        checkpoint.load(str(path))


def test_cli_writes_compact_from_a_run(tmp_path, shards, small64_json):
    run = tmp_path / "run"
    Trainer(args(run, shards, small64_json, "--kimg", "0.004")).run()
    out = tmp_path / "checkpoints" / "c.pt"
    checkpoint.main([str(run / "checkpoint.pt"), str(out)])
    ck = checkpoint.load(str(out))
    assert ck["step"] == 1 and ck["log"].startswith("step,")
    assert not [f for f in os.listdir(out.parent) if f != "c.pt"]  # no temporary file left


def test_a_warm_start_keeps_its_ema_half_life_across_a_resume(tmp_path, shards, small64_json):
    """--init-from: G_ema starts at the given model with the full half-life (no ramp-up
    from zero images), and a resumed run remembers it."""
    from latentscope_train.export import export_generator
    from latentscope_train.model import Generator, GeneratorConfig
    import json
    torch.manual_seed(3)
    export_generator(Generator(GeneratorConfig.from_dict(json.loads(small64_json))), str(tmp_path / "m"), "m")
    t = Trainer(args(tmp_path / "run", shards, small64_json, "--init-from", str(tmp_path / "m"), "--kimg", "0.004"))
    assert t.warm_start
    before = {k: v.clone() for k, v in t.G_ema.named_parameters()}
    t.run()
    # beta = 0.5 ** (4 / 10000): the EMA's weights barely moved; with the ramp-up they
    # would be G's (buffers such as w_avg are copied from G either way)
    ema, g = dict(t.G_ema.named_parameters()), dict(t.G.named_parameters())
    moved = max((ema[k] - before[k]).abs().max().item() for k in before)
    to_g = max((ema[k] - g[k]).abs().max().item() for k in before)
    assert moved < 0.01 * to_g
    path = str(tmp_path / "ck.pt")
    checkpoint.save(checkpoint.compact(t.state()), path)
    u = Trainer(args(tmp_path / "other", shards, small64_json, "--resume-from", path))
    assert u.warm_start


def test_the_committed_checkpoint_is_the_recipes_and_resumable():
    """training/checkpoints/ holds one compact checkpoint, within the budget, of the run that
    scripts/train.sh resumes: the same file name, generator config and D widths."""
    import json
    import re
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    folder = os.path.join(root, "training", "checkpoints")
    files = sorted(f for f in os.listdir(folder) if f.endswith(".pt"))
    script = open(os.path.join(root, "scripts", "train.sh")).read()
    compact_name = re.search(r"compact=\$root/training/checkpoints/(\S+\.pt)", script).group(1)
    assert files == [compact_name]
    path = os.path.join(folder, compact_name)
    assert os.path.getsize(path) <= checkpoint.BUDGET
    ck = checkpoint.load(path)
    assert {"G", "G_ema", "D"} <= set(ck) and ck["step"] > 0 and ck["log"]
    config = json.loads(re.search(r"--config '([^']+)'", script).group(1))
    d_channels = json.loads(re.search(r"--d-channels '([^']+)'", script).group(1))
    for key, value in config.items():
        assert ck["config"][key] == value, key
    assert {str(k): v for k, v in ck["d_channels"].items()} == d_channels
    detail = re.search(r"--d-detail (\d+)", script)
    assert ck.get("d_detail", 0) == (int(detail.group(1)) if detail else 0)
    view = re.search(r"--d-view (\d+)", script)
    assert ck.get("args", {}).get("d_view", 0) == (int(view.group(1)) if view else 0)  # D judged what it will judge
    anchors = re.search(r"--anchors (\d+)", script)
    assert ck.get("args", {}).get("anchors", 0) == (int(anchors.group(1)) if anchors else 0)  # the same faces
    if anchors:
        assert "anchors" in ck and len(ck["anchors"]["w"]) == int(anchors.group(1))  # their w's resume too
