import csv
import os
import subprocess
import sys

import pytest
import torch

from latentscope_train.train import Trainer, parse_args

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train_args(run, data, config, *extra):
    return parse_args(["--run", str(run), "--data", data, "--config", config, "--batch", "4", "--threads", "1",
                       "--log-every", "1", "--sample-every", "0", "--r1-interval", "2", *extra])


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_train_step_changes_weights(tmp_path, shards, small64_json):
    t = Trainer(train_args(tmp_path / "run", shards, small64_json, "--limit-images", "12"))
    assert len(t.sampler.images) == 12 and t.sampler.images.shape[1:] == (64, 64, 3)
    G0, D0, E0 = snapshot(t.G), snapshot(t.D), snapshot(t.G_ema)
    stats = t.train_step()  # step 0 includes the R1 term
    assert t.step == 1 and t.nimg == 4
    assert {"loss_G", "loss_D", "D_real", "D_fake", "r1"} <= set(stats)
    assert all(torch.isfinite(torch.tensor(v)) for v in stats.values())
    for name, before, module in [("G", G0, t.G), ("D", D0, t.D), ("G_ema", E0, t.G_ema)]:
        after = module.state_dict()
        changed = [k for k in before if not torch.equal(before[k], after[k])]
        assert changed, f"{name} did not change"
    assert not torch.equal(G0["mapping.fcs.0.weight"], t.G.state_dict()["mapping.fcs.0.weight"])
    assert not torch.equal(G0["synthesis.layers.0.keys"], t.G.state_dict()["synthesis.layers.0.keys"])
    assert not torch.equal(G0["w_avg"], t.G.state_dict()["w_avg"])


def test_checkpoint_resume(tmp_path, shards, small64_json):
    run = tmp_path / "run"
    # 2 steps of 4 images, then the checkpoint is written at the end of run()
    t = Trainer(train_args(run, shards, small64_json, "--limit-images", "16", "--kimg", "0.008"))
    t.run()
    assert t.step == 2 and (run / "checkpoint.pt").exists() and (run / "samples" / "000002.png").exists()
    ck = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    assert ck["step"] == 2 and ck["nimg"] == 8

    u = Trainer(train_args(run, shards, small64_json, "--limit-images", "16", "--kimg", "0.016"))
    assert u.step == 2 and u.nimg == 8
    for key, module in [("G", u.G), ("D", u.D), ("G_ema", u.G_ema)]:
        state = module.state_dict()
        assert state.keys() == ck[key].keys()
        for k, v in ck[key].items():
            assert torch.equal(state[k], v), f"{key}.{k}"
    assert u.opt_G.state_dict()["state"][0]["step"] == ck["opt_G"]["state"][0]["step"]
    assert torch.equal(u.data_gen.get_state(), ck["rng"]["data"])
    u.run()
    assert u.step == 4 and u.nimg == 16
    with open(run / "log.csv") as f:
        steps = [int(r["step"]) for r in csv.DictReader(f)]
    assert steps == [1, 2, 3, 4]
    assert torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)["step"] == 4


def test_resume_takes_this_invocations_learning_rates(tmp_path, shards, small64_json):
    run = tmp_path / "run"
    Trainer(train_args(run, shards, small64_json, "--limit-images", "8", "--kimg", "0.004")).run()
    u = Trainer(train_args(run, shards, small64_json, "--limit-images", "8", "--lr", "0.002", "--lr-g", "0.0005"))
    assert u.step == 1
    assert [g["lr"] for g in u.opt_G.param_groups] == [0.0005]
    c = 2 / 3  # --r1-interval 2: D's rate and beta2 are scaled for the lazy R1 term
    assert u.opt_D.param_groups[0]["lr"] == pytest.approx(0.002 * c)
    assert u.opt_D.param_groups[0]["betas"][1] == pytest.approx(0.99 ** c)
    assert u.opt_G.state_dict()["state"][0]["step"] == 1  # the moments were kept


def test_lr_g_must_be_positive(tmp_path, shards, small64_json):
    from latentscope_train.train import main
    with pytest.raises(SystemExit, match="--lr-g must be a positive number"):
        main(["--run", str(tmp_path / "r"), "--data", shards, "--config", small64_json, "--lr-g", "0"])


def test_resume_refuses_another_architecture(tmp_path, shards, small64_json):
    run = tmp_path / "run"
    Trainer(train_args(run, shards, small64_json, "--limit-images", "8", "--kimg", "0.004")).run()
    other = small64_json.replace('"tokens": 4', '"tokens": 2')
    with pytest.raises(SystemExit):
        Trainer(train_args(run, shards, other, "--limit-images", "8"))


def test_resume_may_switch_attention_blur_on_and_still_refuses_other_changes(tmp_path, shards, small64_json, capsys):
    import json
    run = tmp_path / "run"
    Trainer(train_args(run, shards, small64_json, "--limit-images", "8", "--kimg", "0.004")).run()
    blurred = json.dumps({**json.loads(small64_json), "attention_blur": {"64": 1}})
    t = Trainer(train_args(run, shards, blurred, "--limit-images", "8", "--kimg", "0.008"))
    assert "attention_blur {} -> {'64': 1}" in capsys.readouterr().out
    before = snapshot(t.G)
    t.run()
    assert t.G.cfg.blur_passes(64) == 1 and t.step > 1
    assert any(not torch.equal(before[k], v) for k, v in t.G.state_dict().items())
    saved = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    assert saved["config"]["attention_blur"] == {"64": 1}
    other = json.dumps({**json.loads(blurred), "tokens": 2})
    with pytest.raises(SystemExit):
        Trainer(train_args(run, shards, other, "--limit-images", "8"))


def test_distributed_two_processes(tmp_path, shards, small64_json):
    """torchrun with 2 CPU processes (gloo): gradients are synchronised, rank 0
    writes the checkpoint, and a second invocation resumes it."""
    run = tmp_path / "ddp"
    env = {**os.environ, "PYTHONPATH": TRAINING + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1"}
    for k in ["WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"]:
        env.pop(k, None)

    def launch(*extra):
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes", "1", "--nproc_per_node", "2",
               "-m", "latentscope_train.train", "--run-dir", str(run), "--data", shards, "--config", small64_json,
               "--batch", "8", "--threads", "1", "--log-every", "1", "--sample-every", "0", "--r1-interval", "2",
               *extra]
        p = subprocess.run(cmd, cwd=TRAINING, env=env, capture_output=True, text=True, timeout=240)
        assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
        return p

    launch("--kimg", "0.016")  # 2 steps of 8 images (4 per process)
    ck = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    assert ck["step"] == 2 and ck["nimg"] == 16
    assert (run / "images-cache.npy").exists()  # both ranks built it at once without clobbering each other
    p = launch("--kimg", "0.032", "--minutes", "10")
    assert "resumed" in p.stdout
    ck2 = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    assert ck2["step"] == 4 and ck2["nimg"] == 32
    assert any(not torch.equal(ck["G"][k], ck2["G"][k]) for k in ck["G"])


def test_resume_gives_other_ranks_their_own_streams(tmp_path, shards, small64_json):
    """Only rank 0's random streams are saved; a resumed rank 1 must not replay them
    (or every process would draw the same latents and images)."""
    run = tmp_path / "run"
    args = train_args(run, shards, small64_json, "--limit-images", "8", "--kimg", "0.004")
    Trainer(args).run()
    ck = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    t = Trainer(args)
    assert torch.equal(t.data_gen.get_state(), ck["rng"]["data"])
    t.rank = 1
    t.load(str(run / "checkpoint.pt"))
    assert t.step == ck["step"]
    assert not torch.equal(t.data_gen.get_state(), ck["rng"]["data"])
    assert not torch.equal(torch.get_rng_state(), ck["rng"]["torch"])


def test_run_dir_alias():
    assert parse_args(["--run-dir", "x"]).run == parse_args(["--run", "x"]).run == "x"


def test_auto_threads_start_on_every_core_and_follow_the_machine(tmp_path, shards, small64_json):
    before = torch.get_num_threads()
    try:
        args = parse_args(["--run", str(tmp_path / "run"), "--data", shards, "--config", small64_json, "--batch", "4",
                           "--threads", "auto", "--sample-every", "0", "--limit-images", "8"])
        t = Trainer(args)
        cores = len(os.sched_getaffinity(0))
        assert t.governor is not None and t.governor.cores == cores and torch.get_num_threads() == cores
        t.governor.interval = 0
        t.governor.choose = lambda others: 1        # as if the others held every core but one
        t.train_step()
        assert t.governor.update() in (1, None) and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_a_detail_head_added_to_a_trained_run_starts_at_zero_and_then_learns(tmp_path, shards, small64_json):
    run = tmp_path / "run"
    t = Trainer(train_args(run, shards, small64_json, "--limit-images", "8", "--kimg", "0.004"))
    t.run()
    x = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        before = t.D(x)
    u = Trainer(train_args(run, shards, small64_json, "--limit-images", "8", "--kimg", "0.012", "--d-detail", "8"))
    assert u.step == 1 and u.D.detail is not None
    with torch.no_grad():
        assert torch.allclose(u.D(x), before, atol=1e-6)  # the new head's output layer starts at zero
    head0 = snapshot(u.D.detail)
    u.run()
    assert not torch.equal(head0["fc.weight"], u.D.detail.state_dict()["fc.weight"])
    ck = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    assert ck["d_detail"] == 8 and "detail.fc.weight" in ck["D"]
    # The run now has the head: resuming without it (or with another width) is refused.
    for other in ("0", "16"):
        with pytest.raises(SystemExit, match="detail head of 8 channels"):
            Trainer(train_args(run, shards, small64_json, "--limit-images", "8", "--d-detail", other))
    assert Trainer(train_args(run, shards, small64_json, "--limit-images", "8", "--d-detail", "8")).step == 3


def test_frozen_resolutions_keep_their_weights_while_the_rest_trains(tmp_path, shards, small64_json):
    t = Trainer(train_args(tmp_path / "run", shards, small64_json, "--limit-images", "8", "--g-frozen-res", "64"))
    assert t.frozen == ["b64.conv0", "b64.conv1", "b64.torgb"]
    G0, E0 = snapshot(t.G), snapshot(t.G_ema)
    t.train_step()
    t.train_step()
    G1, E1 = t.G.state_dict(), t.G_ema.state_dict()
    frozen = [i for i, s in enumerate(t.cfg.layer_specs()) if s.res == 64]
    for k in G0:
        in_frozen = any(k.startswith(f"synthesis.layers.{i}.") for i in frozen)
        if in_frozen and not k.endswith("noise_const"):
            assert torch.equal(G0[k], G1[k]) and torch.equal(E0[k], E1[k]), k
    assert not torch.equal(G0["synthesis.layers.0.conv.weight"], G1["synthesis.layers.0.conv.weight"])
    for bad, msg in (("64,x", "not a list of resolutions"), ("128", "no layers at")):
        with pytest.raises(SystemExit, match=msg):
            Trainer(train_args(tmp_path / "r2", shards, small64_json, "--limit-images", "8", "--g-frozen-res", bad))


def test_training_the_mapping_only_keeps_the_synthesis_weights(tmp_path, shards, small64_json):
    t = Trainer(train_args(tmp_path / "run", shards, small64_json, "--limit-images", "8", "--g-trains", "mapping"))
    G0, E0 = snapshot(t.G), snapshot(t.G_ema)
    t.train_step()
    t.train_step()
    G1, E1 = t.G.state_dict(), t.G_ema.state_dict()
    for k in G0:
        if k.startswith("synthesis.") and not k.endswith("noise_const"):
            assert torch.equal(G0[k], G1[k]) and torch.equal(E0[k], E1[k]), k
    moved = [k for k in G0 if k.startswith("mapping.") and not torch.equal(G0[k], G1[k])]
    assert moved, "the mapping network did not train"


def test_attention_floor_penalty_is_zero_above_the_floor_and_the_gap_below_it():
    from latentscope_train.model import TINY_CONFIG, GeneratorConfig, Generator
    from latentscope_train.train import attention_floor_penalty
    G = Generator(GeneratorConfig.from_dict(TINY_CONFIG))
    shapes = [(2, 4, l.spec.res ** 2, G.cfg.tokens) for l in G.synthesis.layers]
    uniform = [torch.full(s, 1.0 / s[-1]) for s in shapes]
    onehot = [torch.nn.functional.one_hot(torch.zeros(s[:-1], dtype=torch.long), s[-1]).float() for s in shapes]
    assert attention_floor_penalty(G, uniform, {16: 0.8}).item() == pytest.approx(0.0, abs=1e-6)
    assert attention_floor_penalty(G, onehot, {16: 0.8}).item() == pytest.approx(0.8, abs=1e-5)
    mixed = [u if l.spec.res == 16 else o for u, o, l in zip(uniform, onehot, G.synthesis.layers)]
    assert attention_floor_penalty(G, mixed, {16: 0.8}).item() == pytest.approx(0.0, abs=1e-6)  # only 16x16 counts


def test_an_attention_floor_keeps_that_attention_softer(tmp_path, shards, small64_json):
    from latentscope_train.attention_entropy import layer_entropy
    z = torch.randn(4, 8, 128, generator=torch.Generator().manual_seed(5))

    def entropy64(*extra):
        t = Trainer(train_args(tmp_path / f"run{len(extra)}", shards, small64_json, "--limit-images", "8", "--lr", "0.02", *extra))
        z_ = z[:, : t.cfg.tokens, : t.cfg.z_dim]
        for _ in range(4):
            stats = t.train_step()
        rows = [r for r in layer_entropy(t.G.eval(), z_) if r["res"] == 64]
        return sum(r["entropy"] for r in rows) / len(rows), stats

    plain, plain_stats = entropy64()
    floored, stats = entropy64("--attn-floor", "64:0.99", "--attn-floor-weight", "100")
    assert "attn_floor" not in plain_stats
    assert 0 < stats["attn_floor"] < 0.99
    assert floored > plain + 0.005


@pytest.mark.parametrize("bad,msg", [("64:1", "below 1"), ("64", "RES:FLOOR"), ("x:0.5", "RES:FLOOR"), ("128:0.5", "no layers at")])
def test_bad_attention_floors_are_refused(tmp_path, shards, small64_json, bad, msg):
    with pytest.raises(SystemExit, match=msg):
        Trainer(train_args(tmp_path / "run", shards, small64_json, "--limit-images", "8", "--attn-floor", bad))


def test_path_length_regularisation_tracks_its_mean_and_moves_only_g(tmp_path, shards, small64_json):
    t = Trainer(train_args(tmp_path / "run", shards, small64_json, "--limit-images", "8",
                           "--pl-weight", "2", "--pl-interval", "2"))
    means = []
    for _ in range(4):
        stats = t.train_step()
        means.append(t.pl_mean.item())
        assert ("pl" in stats) == ((t.step - 1) % 2 == 0)  # steps 0 and 2
    assert means[0] > 0 and means[1] == means[0] and means[2] != means[1]
    # the mean starts at the first batch's lengths (from 0 it would still be ~1% of them and
    # the second update would double it), then moves 1% per step
    assert abs(means[2] / means[0] - 1) < 0.02
    assert stats.get("pl", 0) == 0 and means[3] == means[2]
    # the step itself: G's weights move, D's do not
    G0, D0 = snapshot(t.G), snapshot(t.D)
    penalty = t.path_length_step()
    assert penalty >= 0
    assert any(not torch.equal(v, snapshot(t.G)[k]) for k, v in G0.items())
    assert all(torch.equal(v, snapshot(t.D)[k]) for k, v in D0.items())
    plain = Trainer(train_args(tmp_path / "plain", shards, small64_json, "--limit-images", "8"))
    assert "pl" not in plain.train_step() and plain.pl_mean.item() == 0


@pytest.mark.parametrize("bad", [("--pl-weight", "-1"), ("--pl-interval", "0"), ("--pl-batch-shrink", "0")])
def test_bad_path_length_settings_are_refused(tmp_path, shards, small64_json, bad):
    with pytest.raises(SystemExit, match="--pl-weight must be >= 0"):
        Trainer(train_args(tmp_path / "run", shards, small64_json, "--limit-images", "8", *bad))


def test_logged_rows_show_the_latest_path_length_penalty(tmp_path, shards, small64_json, capsys):
    # with --pl-interval 2 the penalty is computed on steps 0 and 2; rows come after steps 1-3
    t = Trainer(train_args(tmp_path / "run", shards, small64_json, "--limit-images", "8", "--kimg", "0.012",
                           "--pl-weight", "2", "--pl-interval", "2"))
    t.run()
    rows = [l for l in capsys.readouterr().out.splitlines() if l.startswith("step=")]
    assert len(rows) == 3
    values = [float(dict(kv.split("=") for kv in r.split())["pl"]) for r in rows]
    assert all(v == v and v >= 0 for v in values)  # no NaN: every row carries a measured value


def test_log_records_the_sign_of_d_on_reals_and_keeps_an_older_logs_columns(tmp_path, shards, small64_json):
    run = tmp_path / "run"
    Trainer(train_args(run, shards, small64_json, "--limit-images", "8", "--kimg", "0.008")).run()
    with open(run / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["step"] for r in rows] == ["1", "2"]
    # --log-every 1: each row is the mean sign of one step's 4 real logits
    assert all(float(r["rt"]) in (-1.0, -0.5, 0.0, 0.5, 1.0) for r in rows)

    old = tmp_path / "old"
    old.mkdir()
    header = "step,kimg,seconds,loss_G,loss_D,D_real,D_fake,r1\n"
    (old / "log.csv").write_text(header)
    Trainer(train_args(old, shards, small64_json, "--limit-images", "8", "--kimg", "0.004")).run()
    lines = (old / "log.csv").read_text().splitlines()
    assert lines[0] + "\n" == header and len(lines) == 2 and lines[1].count(",") == header.count(",")


def test_a_coarse_view_shows_d_only_the_coarse_levels_of_reals_and_fakes(tmp_path, shards, small64_json):
    def seen_by_d(view):
        t = Trainer(train_args(tmp_path / f"run{view}", shards, small64_json, "--limit-images", "8",
                               "--g-trains", "mapping", "--d-view", str(view), "--augment", ""))
        seen, forward = [], t.D.forward
        t.D.forward = lambda img: (seen.append(img.detach()), forward(img))[1]
        t.train_step()
        assert len(seen) == 2  # G's step, then D's on fakes and reals together
        return seen[0], seen[1][t.batch:]

    def detail(x):  # the share of the image's power above 12 cycles across it (16x16 holds up to 8)
        hann = torch.hann_window(x.shape[-1], periodic=False)  # no jump at the borders
        power = torch.fft.fft2((x - x.mean(dim=(2, 3), keepdim=True)) * hann[:, None] * hann[None, :]).abs().square()
        f = torch.fft.fftfreq(x.shape[-1]).abs() * x.shape[-1]
        fine = (f[:, None] > 12) | (f[None, :] > 12)
        return (power[..., fine].sum() / power.sum()).item()

    fake, real = seen_by_d(16)
    whole_fake, whole_real = seen_by_d(0)
    assert detail(whole_real) > 1e-3 and detail(whole_fake) > 1e-3  # faces and G's images have fine detail
    assert detail(real) < 0.05 * detail(whole_real) and detail(fake) < 0.05 * detail(whole_fake)
    assert real.abs().mean() > 0.5 * whole_real.abs().mean()  # the faces themselves are still there


@pytest.mark.parametrize("extra,msg", [(("--d-view", "24"), "choose a coarser level"),
                                       (("--d-view", "64"), "choose a coarser level"),
                                       (("--d-view", "16", "--d-detail", "8"), "give --d-detail 0")])
def test_bad_coarse_views_are_refused(tmp_path, shards, small64_json, extra, msg):
    with pytest.raises(SystemExit, match=msg):
        Trainer(train_args(tmp_path / "run", shards, small64_json, "--limit-images", "8", *extra))
