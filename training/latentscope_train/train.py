"""Train the face generator.

    python -m latentscope_train.train --run RUN_DIR [--data DIR] [--minutes M | --kimg K]

Resumes from RUN_DIR/checkpoint.pt when it exists. Writes RUN_DIR/log.csv (one
row per logged step), RUN_DIR/samples/NNNNNN.png (fixed latents, EMA generator)
and RUN_DIR/checkpoint.pt (atomically, every --ckpt-minutes and at the end).

Several processes (CPUs or GPUs, one or more hosts) train with PyTorch's
DistributedDataParallel when started by torchrun:

    torchrun --nproc_per_node 2 -m latentscope_train.train --run-dir RUN_DIR ...
"""
from __future__ import annotations

import argparse
import copy
import csv
import gc
import json
import math
import os
import random
import signal
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

from . import checkpoint
from .anchors import JUDGE_RESERVE, Anchors
from .augment import diff_augment
from .cpu_share import ThreadGovernor, usable_cores
from .data import DEFAULT_DATA, Sampler, cached_images
from .imageio import save_grid
from .model import Discriminator, Generator, GeneratorConfig
from .pyramid import coarse_view
from .per_res import parse_per_res


class MixingGenerator(nn.Module):
    """The generator as trained: two latents per image and a random layer
    cutoff (style-mixing regularisation), so that layers stay separable. Wrapped
    by DDP as one module so its forward is the unit of gradient sync."""

    def __init__(self, G: Generator, mixing_prob: float):
        super().__init__()
        self.G, self.mixing_prob = G, mixing_prob

    def forward(self, z, z2, return_attn=False):
        G = self.G
        ws = G.broadcast(G.map(z, update_w_avg=True))
        if self.mixing_prob > 0 and torch.rand([]) < self.mixing_prob:
            cutoff = int(torch.randint(1, G.num_layers, []))
            ws[:, cutoff:] = G.broadcast(G.map(z2))[:, cutoff:]
        return G.synthesis(ws, return_attn=return_attn)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # --run-dir is the same flag; use it under torchrun, whose own parser rejects
    # "--run" as an ambiguous abbreviation of its --run-path.
    p.add_argument("--run", "--run-dir", dest="run", required=True, help="run folder (checkpoint, log, samples)")
    p.add_argument("--data", default=DEFAULT_DATA, help="folder with the utkface64 zip shards")
    p.add_argument("--minutes", type=float, default=None, help="stop after this much wall time (this invocation)")
    p.add_argument("--kimg", type=float, default=None, help="stop once this many thousand real images were shown in total")
    p.add_argument("--batch", type=int, default=32, help="images per step, across all processes")
    p.add_argument("--lr", type=float, default=0.0025, help="learning rate of D (and of G unless --lr-g)")
    p.add_argument("--lr-g", type=float, default=None,
                   help="learning rate of G (default: --lr); below D's lets D lead (two time-scale update rule)")
    p.add_argument("--r1-gamma", type=float, default=0.05)
    p.add_argument("--r1-interval", type=int, default=16)
    p.add_argument("--mixing-prob", type=float, default=0.9)
    p.add_argument("--ema-kimg", type=float, default=10.0, help="EMA half-life in thousand images")
    p.add_argument("--ema-rampup", type=float, default=0.05)
    p.add_argument("--augment", default="translation,color", help="DiffAugment policy for D ('' for none)")
    p.add_argument("--config", default=None, help="JSON file or inline JSON overriding GeneratorConfig fields")
    p.add_argument("--d-channels", default=None,
                   help="discriminator widths: a factor of G's widths (e.g. 2.5) or inline JSON {\"64\": 64, ...}; default G's")
    p.add_argument("--d-detail", type=int, default=0,
                   help="channels of D's detail head, which judges the finest pyramid level at full resolution "
                        "(0: none); may be added to a run that had none")
    p.add_argument("--d-view", type=int, default=0,
                   help="D judges every image, real or fake, without its pyramid levels finer than this "
                        "resolution (blurred down to it and back up; 0: the whole image). With --g-trains mapping, "
                        "a D that cannot see the fixed synthesis' fine texture judges which faces the mapping "
                        "draws rather than how they are drawn")
    p.add_argument("--g-frozen-res", default="",
                   help="comma-separated resolutions whose synthesis layers G does not train (e.g. 64); "
                        "they stay in the optimiser, so checkpoints resume with or without it")
    p.add_argument("--g-trains", choices=("all", "mapping"), default="all",
                   help="which part of G learns: all of it, or only the mapping network (the synthesis network "
                        "frozen: the latent distribution is refitted to a fixed image model, e.g. to cover faces "
                        "the model draws too rarely)")
    p.add_argument("--attn-floor", default="",
                   help="RES:FLOOR[,RES:FLOOR...]: G's loss gains weight x mean(max(0, FLOOR - entropy)) over the pixels "
                        "of its layers at RES x RES, entropy of each pixel's attention over log(tokens): keeps that "
                        "attention from sharpening (G's own maps; no judge network)")
    p.add_argument("--attn-floor-weight", type=float, default=1.0, help="weight of --attn-floor in G's loss")
    p.add_argument("--pl-weight", type=float, default=0.0,
                   help="path length regularisation of G (StyleGAN2; 2 there, 0 = off): penalises how much the "
                        "image's response to a step in w departs from its running mean, so that equal steps in w "
                        "change the image alike everywhere in the latent space")
    p.add_argument("--pl-interval", type=int, default=4, help="apply --pl-weight every N steps (lazy, scaled by N)")
    p.add_argument("--pl-batch-shrink", type=int, default=2, help="the path length step uses batch / N images")
    p.add_argument("--anchors", type=int, default=0,
                   help="hold G to drawing N real faces from w's of their own (pixel loss; anchors.py); 0: none")
    p.add_argument("--anchor-weight", type=float, default=1.0, help="weight of the anchors' pyramid L1 in G's loss")
    p.add_argument("--anchor-batch", type=int, default=16, help="anchors drawn per G step")
    p.add_argument("--anchor-lr", type=float, default=0.01, help="Adam step size of the anchors' w's")
    p.add_argument("--anchor-fit-steps", type=int, default=50,
                   help="a new run first projects its anchors with this many steps (project.py)")
    p.add_argument("--d-warmup", type=int, default=0,
                   help="first N steps train D only (G frozen): a fresh D next to a warm-started G")
    p.add_argument("--resume-from", default=None,
                   help="a compact checkpoint (training/checkpoints/) to resume when RUN/checkpoint.pt is missing or older")
    p.add_argument("--save-compact", default=None,
                   help="also write the compact checkpoint here whenever RUN/checkpoint.pt is written")
    p.add_argument("--init-from", default=None,
                   help="exported model folder whose weights start G and G_ema (a new run only; D starts fresh)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-every", type=int, default=20)
    p.add_argument("--sample-every", type=int, default=500)
    p.add_argument("--ckpt-minutes", type=float, default=5.0)
    p.add_argument("--threads", type=threads_arg, default=None,
                   help="torch intra-op threads (default: all cores), or 'auto': the cores other processes leave (cpu_share.py)")
    p.add_argument("--limit-images", type=int, default=None, help="use only the first N images (tests)")
    return p.parse_args(argv)


def parse_attn_floor(spec: str) -> dict[int, float]:
    """'64:0.7' -> {64: 0.7}; every floor must lie in (0, 1); '' -> no floor."""
    if not spec.strip():
        return {}
    try:
        return parse_per_res(spec, "--attn-floor", "FLOOR", lambda f: 0 < f < 1,
                             "the floor is a normalised entropy, above 0 and below 1")
    except ValueError as e:
        raise SystemExit(str(e)) from None


def attention_floor_penalty(G: Generator, maps: list, floors: dict[int, float]) -> torch.Tensor:
    """mean over the floored layers of mean over pixels, heads and images of
    max(0, floor - H / log T), H the entropy of a pixel's attention over the T tokens."""
    terms = []
    for layer, a in zip(G.synthesis.layers, maps):     # a: [B, heads, pixels, tokens]
        floor = floors.get(layer.spec.res)
        if floor is None:
            continue
        h = -(a * a.clamp_min(1e-12).log()).sum(-1) / math.log(a.shape[-1])
        terms.append(F.relu(floor - h).mean())
    return torch.stack(terms).mean()


def threads_arg(v: str):
    if v == "auto":
        return v
    try:
        n = int(v)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{v!r} is neither a thread count >= 1 nor 'auto'")
    return n


def parse_d_channels(spec: str | None):
    if spec is None:
        return None
    try:
        v = json.loads(spec)
    except json.JSONDecodeError:
        raise SystemExit(f"--d-channels: {spec!r} is neither a number nor JSON")
    if isinstance(v, (int, float)) and v > 0:
        return float(v)
    if isinstance(v, dict):
        return v
    raise SystemExit(f"--d-channels: {spec!r} must be a positive factor or an object of widths")


def load_config(spec: str | None) -> GeneratorConfig:
    if not spec:
        return GeneratorConfig()
    text = open(spec).read() if os.path.exists(spec) else spec
    return GeneratorConfig.from_dict(json.loads(text))


class Trainer:
    def __init__(self, args):
        self.args = args
        self.distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
        if self.distributed:
            backend = "nccl" if torch.cuda.is_available() else "gloo"
            dist.init_process_group(backend)
            self.rank, self.world = dist.get_rank(), dist.get_world_size()
        else:
            self.rank, self.world = 0, 1
        if args.batch % self.world:
            raise SystemExit(f"--batch {args.batch} does not split over {self.world} processes")
        self.device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu")
        self.governor = None
        if args.threads == "auto":
            self.governor = ThreadGovernor(usable_cores(), torch.set_num_threads)
        elif args.threads:
            torch.set_num_threads(args.threads)
        self.batch = args.batch // self.world
        os.makedirs(os.path.join(args.run, "samples"), exist_ok=True)
        self.ckpt_path = os.path.join(args.run, "checkpoint.pt")

        torch.manual_seed(args.seed + self.rank)
        self.cfg = load_config(args.config)
        self.G = Generator(self.cfg).to(self.device)
        if args.d_detail < 0:
            raise SystemExit("--d-detail must be 0 (no detail head) or a channel count")
        if args.d_view:
            if args.d_detail:
                raise SystemExit("--d-view takes away the finest level that --d-detail judges; give --d-detail 0")
            if args.d_view not in self.cfg.resolutions[:-1]:
                raise SystemExit(f"--d-view {args.d_view}: choose a coarser level of the pyramid, one of "
                                 f"{', '.join(map(str, self.cfg.resolutions[:-1]))}")
        self.D = Discriminator(self.cfg, channels=parse_d_channels(args.d_channels), detail=args.d_detail).to(self.device)
        resume = self.pick_resume()
        # A warm-started G is already a good generator: its EMA starts there with the
        # full half-life (the ramp-up is for a G that starts as noise).
        self.warm_start = bool(args.init_from) and resume is None
        if self.warm_start:
            from .export import init_from_exported
            init_from_exported(self.G, args.init_from)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        self.frozen = self.freeze_resolutions(args.g_frozen_res)
        if args.g_trains == "mapping":
            self.G.synthesis.requires_grad_(False)
            self.frozen = [name for name, _ in self.G.synthesis.named_parameters()]
            if self.rank == 0:
                print("G trains its mapping network only", flush=True)
        if args.anchors and (args.g_trains == "mapping" or self.distributed):
            raise SystemExit("--anchors trains the synthesis network on one process: not with --g-trains mapping "
                             "or several processes")
        if args.anchors < 0 or args.anchor_batch < 1 or args.anchor_weight < 0 or args.anchor_lr <= 0:
            raise SystemExit("--anchors must be >= 0, --anchor-batch >= 1, --anchor-weight >= 0, --anchor-lr > 0")
        self.saved_anchors = None  # a checkpoint's, set by load()
        self.attn_floor = parse_attn_floor(args.attn_floor)
        missing = sorted(set(self.attn_floor) - {layer.spec.res for layer in self.G.synthesis.layers})
        if missing:
            raise SystemExit(f"--attn-floor: G has no layers at {', '.join(f'{r}x{r}' for r in missing)}")
        c = args.r1_interval / (args.r1_interval + 1)  # lazy regularisation keeps the effective step
        self.lr_g = args.lr if args.lr_g is None else args.lr_g
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=self.lr_g, betas=(0.0, 0.99), eps=1e-8)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=args.lr * c, betas=(0.0, 0.99 ** c), eps=1e-8)
        if args.pl_weight < 0 or args.pl_interval < 1 or args.pl_batch_shrink < 1:
            raise SystemExit("--pl-weight must be >= 0, --pl-interval and --pl-batch-shrink >= 1")
        self.step, self.nimg, self.train_seconds = 0, 0, 0.0
        self.pl_mean = torch.zeros([], device=self.device)  # running mean of the path lengths
        self.log_file = None
        self.data_gen = torch.Generator().manual_seed(args.seed * 1000 + self.rank)

        if resume is not None:
            self.load(resume)
        self.G_train = MixingGenerator(self.G, args.mixing_prob)
        self.D_train = self.D
        if self.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.G_train = nn.parallel.DistributedDataParallel(self.G_train, device_ids=ids)
            self.D_train = nn.parallel.DistributedDataParallel(self.D, device_ids=ids)

        images = cached_images(args.data, None) if args.limit_images else \
            cached_images(args.data, os.path.join(args.run, "images-cache.npy"))
        if args.limit_images:
            images = images[: args.limit_images]
        self.sampler = Sampler(images, self.batch, self.data_gen)
        self.anchors = self.make_anchors(images) if args.anchors else None
        fixed = torch.Generator().manual_seed(123)
        self.fixed_z = torch.randn(64, self.cfg.tokens, self.cfg.z_dim, generator=fixed).to(self.device)

    def make_anchors(self, images) -> Anchors:
        """The checkpoint's anchors, or new ones projected into the current G."""
        a = self.args
        reserve = 0 if a.limit_images else JUDGE_RESERVE  # a test's few images have no judge's sets to keep apart
        if self.saved_anchors is not None:
            anchors = Anchors.empty(images, a.anchors, (self.cfg.tokens, self.cfg.w_dim), a.anchor_lr, reserve)
            anchors.load_state_dict(self.saved_anchors)
            return anchors
        log = print if self.rank == 0 else (lambda *_: None)
        return Anchors.fitted(self.G, images, a.anchors, a.anchor_fit_steps, a.anchor_lr, reserve, log=log)

    def freeze_resolutions(self, spec: str) -> list[str]:
        """Stop G's synthesis layers at the given resolutions from learning: their
        parameters get no gradient, so Adam leaves them as they are (the EMA still moves
        toward G's values, where a resumed run's two differ). Returns the frozen layers' names."""
        try:
            wanted = {int(r) for r in spec.split(",") if r.strip()}
        except ValueError:
            raise SystemExit(f"--g-frozen-res: {spec!r} is not a list of resolutions such as 32,64")
        if wanted - set(self.cfg.resolutions):
            raise SystemExit(f"--g-frozen-res: G has no layers at {sorted(wanted - set(self.cfg.resolutions))} "
                             f"(its resolutions: {self.cfg.resolutions})")
        names = []
        for spec_, layer in zip(self.cfg.layer_specs(), self.G.synthesis.layers):
            if spec_.res in wanted:
                layer.requires_grad_(False)
                names.append(spec_.name)
        if names and self.rank == 0:
            print(f"G does not train {', '.join(names)}", flush=True)
        return names

    # MARK: checkpoints

    def state(self):
        return dict(
            config=self.cfg.to_dict(), d_channels=self.D.channels, d_detail=self.D.detail_channels, warm_start=self.warm_start, args=vars(self.args), step=self.step, nimg=self.nimg,
            train_seconds=self.train_seconds, pl_mean=self.pl_mean.item(), G=self.G.state_dict(), D=self.D.state_dict(),
            G_ema=self.G_ema.state_dict(), opt_G=self.opt_G.state_dict(), opt_D=self.opt_D.state_dict(),
            rng=dict(torch=torch.get_rng_state(), numpy=np.random.get_state(), python=random.getstate(),
                     data=self.data_gen.get_state()),
            **({"anchors": self.anchors.state_dict()} if self.anchors is not None else {}),
        )

    def pick_resume(self) -> str | None:
        """The local checkpoint, or the compact one when it is further along (a new
        machine has only the repository's)."""
        local = self.ckpt_path if os.path.exists(self.ckpt_path) else None
        compact_path = self.args.resume_from
        if not compact_path or not os.path.exists(compact_path):
            if compact_path and self.rank == 0:
                print(f"{compact_path} not found; not resuming from it", flush=True)
            return local
        if local is None:
            return compact_path
        steps = [torch.load(p, map_location="cpu", weights_only=False)["step"] for p in (local, compact_path)]
        return compact_path if steps[1] > steps[0] else local

    def same_weights(self, saved: dict, path: str) -> bool:
        """Whether a checkpoint's G config has this run's weights. attention_blur has none, so
        a run may switch it on or off from a checkpoint (fine-tuning with blurred attention)."""
        now = self.cfg.to_dict()
        strip = lambda d: {k: v for k, v in d.items() if k != "attention_blur"}
        if strip(saved) != strip(now):
            return False
        if saved.get("attention_blur", {}) != now.get("attention_blur", {}):
            print(f"{path}: attention_blur {saved.get('attention_blur', {})} -> {now.get('attention_blur', {})} "
                  "(no weights change)", flush=True)
        return True

    def load(self, path):
        ck = torch.load(path, map_location=self.device, weights_only=False)
        if checkpoint.is_compact(ck):
            return self.load_compact(path, ck)
        if not self.same_weights(ck["config"], path) or ck.get("d_channels", self.D.channels) != self.D.channels:
            raise SystemExit(f"{path} was trained with another architecture; use a new --run folder")
        self.G.load_state_dict(ck["G"])
        head_added = self.load_D(ck, path)
        self.G_ema.load_state_dict(ck["G_ema"])
        # The saved moments carry on; the learning rates are this invocation's, so a
        # resumed run can change them. D's are rebuilt when it gained a head.
        for opt, saved in ((self.opt_G, ck["opt_G"]), (self.opt_D, None if head_added else ck["opt_D"])):
            if saved is None:
                continue
            rates = [(g["lr"], g["betas"]) for g in opt.param_groups]
            opt.load_state_dict(saved)
            for g, (lr, betas) in zip(opt.param_groups, rates):
                g["lr"], g["betas"] = lr, betas
        self.restore_progress(ck)
        if self.rank == 0:
            print(f"resumed {path} at step {self.step} ({self.nimg / 1000:.1f} kimg)", flush=True)

    def load_D(self, ck, path) -> bool:
        """D's weights from a checkpoint; True when this run adds a detail head the
        checkpoint's D did not have (it starts fresh, at zero output)."""
        saved, wanted = ck.get("d_detail", 0), self.D.detail_channels
        if saved == wanted:
            self.D.load_state_dict(ck["D"])
            return False
        if saved:
            raise SystemExit(f"{path} has a detail head of {saved} channels; give --d-detail {saved} "
                             "(a head can be added to a run, not changed or removed)")
        res = self.D.load_state_dict(ck["D"], strict=False)
        assert not res.unexpected_keys and all(k.startswith("detail.") for k in res.missing_keys), res
        if self.rank == 0:
            print(f"added a detail head of {wanted} channels to the discriminator of {path}", flush=True)
        return True

    def restore_progress(self, ck):
        """Step counters, random streams and anchors, from either kind of checkpoint."""
        self.saved_anchors = ck.get("anchors")
        self.step, self.nimg, self.train_seconds = ck["step"], ck["nimg"], ck["train_seconds"]
        self.warm_start = ck.get("warm_start", False)
        self.pl_mean.fill_(ck.get("pl_mean", 0.0))
        torch.set_rng_state(ck["rng"]["torch"])
        np.random.set_state(ck["rng"]["numpy"])
        random.setstate(ck["rng"]["python"])
        self.data_gen.set_state(ck["rng"]["data"])
        if self.rank:  # the checkpoint holds rank 0's streams; the other ranks must not replay them
            torch.manual_seed(self.args.seed + self.rank + 7919 * self.step)
            self.data_gen.manual_seed(self.args.seed * 1000 + self.rank + 7919 * self.step)

    def load_compact(self, path, ck):
        if not self.same_weights(ck["config"], path) or ck.get("d_channels") != self.D.channels:
            raise SystemExit(f"{path} was trained with another architecture (see its config); "
                             "give the same --config and --d-channels, or use another --run folder")
        self.G.load_state_dict(ck["G"])
        self.load_D(ck, path)
        self.G_ema.load_state_dict(ck["G_ema"])
        checkpoint.restore_optimizer(self.opt_G, ck.get("opt_G"))
        checkpoint.restore_optimizer(self.opt_D, ck.get("opt_D"))
        self.restore_progress(ck)
        log_path = os.path.join(self.args.run, "log.csv")
        if self.rank == 0 and ck.get("log") and not os.path.exists(log_path):
            with open(log_path, "w") as f:  # the log goes on where the checkpoint's left off
                f.write(ck["log"])
        if self.rank == 0:
            left = f"; rebuilt: {', '.join(ck['omitted'])}" if ck["omitted"] else ""
            print(f"resumed {path} (compact, {ck['dtype']}) at step {self.step} ({self.nimg / 1000:.1f} kimg){left}", flush=True)

    def save(self):
        if self.rank == 0:
            full = self.state()
            checkpoint.save(full, self.ckpt_path)
            if self.args.save_compact:
                log_path = os.path.join(self.args.run, "log.csv")
                if self.log_file:
                    self.log_file.flush()
                log_text = open(log_path).read() if os.path.exists(log_path) else None
                checkpoint.save(checkpoint.compact(full, log_text=log_text), self.args.save_compact)

    # MARK: one step

    def d_input(self, images):
        """What D sees of a batch: its coarse view (--d-view), then the augmentation."""
        if self.args.d_view:
            images = coarse_view(images, self.args.d_view)
        return diff_augment(images, self.args.augment)

    def latents(self):
        return torch.randn(self.batch, self.cfg.tokens, self.cfg.z_dim, device=self.device)

    def train_step(self):
        a = self.args
        stats = {}
        # Generator: non-saturating logistic loss through D (D frozen, not DDP-wrapped here).
        self.D.requires_grad_(False)
        floored = bool(self.attn_floor)
        if self.step < a.d_warmup:  # D catches up with a warm-started G first
            with torch.no_grad():
                fake = self.G_train(self.latents(), self.latents())
                loss_G = F.softplus(-self.D(self.d_input(fake))).mean()
        else:
            out = self.G_train(self.latents(), self.latents(), floored)
            fake, maps = out if floored else (out, None)
            loss_G = F.softplus(-self.D(self.d_input(fake))).mean()
            total_G = loss_G
            if self.anchors is not None:
                rows = torch.randperm(len(self.anchors))[: a.anchor_batch]
                loss_A, w_anchors = self.anchors.loss(self.G, rows)
                total_G = total_G + a.anchor_weight * loss_A
                stats["anchor"] = loss_A.item()
            if floored:
                penalty = attention_floor_penalty(self.G, maps, self.attn_floor)
                total_G = total_G + a.attn_floor_weight * penalty
                stats["attn_floor"] = penalty.item()
            self.opt_G.zero_grad(set_to_none=True)
            total_G.backward()
            self.opt_G.step()
            if self.anchors is not None:
                self.anchors.update(rows, w_anchors)
        self.D.requires_grad_(True)
        stats["loss_G"] = loss_G.item()

        # Discriminator: fakes and reals in one batch; lazy R1 on the reals.
        # D sees the fakes of the G step (from G before its update): one synthesis
        # pass per step instead of two, the costliest part of a CPU step.
        fake = fake.detach()
        real = self.sampler.next().to(self.device)
        do_r1 = a.r1_gamma > 0 and self.step % a.r1_interval == 0
        real.requires_grad_(do_r1)
        logits = self.D_train(self.d_input(torch.cat([fake, real])))
        l_fake, l_real = logits[: self.batch], logits[self.batch:]
        loss_D = F.softplus(l_fake).mean() + F.softplus(-l_real).mean()
        total = loss_D
        if do_r1:
            (grad,) = torch.autograd.grad(l_real.sum(), real, create_graph=True)
            r1 = grad.square().sum(dim=(1, 2, 3)).mean()
            total = total + r1 * (a.r1_gamma / 2) * a.r1_interval
            stats["r1"] = r1.item()
        self.opt_D.zero_grad(set_to_none=True)
        total.backward()
        self.opt_D.step()
        stats.update(loss_D=loss_D.item(), D_real=l_real.mean().item(), D_fake=l_fake.mean().item(),
                     D_sign=torch.sign(l_real.detach()).mean().item())
        if a.pl_weight > 0 and self.step >= a.d_warmup and self.step % a.pl_interval == 0:
            stats["pl"] = self.path_length_step()

        # EMA of the generator, half-life ema_kimg, ramped up early in training.
        self.nimg += a.batch
        ramp = a.ema_rampup and not self.warm_start
        ema_nimg = min(a.ema_kimg * 1000, self.nimg * a.ema_rampup) if ramp else a.ema_kimg * 1000
        beta = 0.5 ** (a.batch / max(ema_nimg, 1e-8))
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.copy_(p.lerp(pe, beta))
            for be, b in zip(self.G_ema.buffers(), self.G.buffers()):
                be.copy_(b)
        self.step += 1
        return stats

    def path_length_step(self) -> float:
        """StyleGAN2's path length regularisation (Karras et al. 2020, section 3.2), as a
        separate lazy G step: the length of J_w^T y for random image-space directions y
        (scaled so it does not depend on the resolution), pulled toward its running mean.
        Every token of every layer's w is one of the w's, as StyleGAN2's per-layer w's."""
        a, G = self.args, self.G
        n = max(1, self.batch // a.pl_batch_shrink)
        ws = G.broadcast(G.map(torch.randn(n, self.cfg.tokens, self.cfg.z_dim, device=self.device)))  # [n, L, T, w]
        img = G.synthesis(ws)
        y = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
        (grad,) = torch.autograd.grad((img * y).sum(), ws, create_graph=True)
        lengths = grad.square().sum(-1).mean((1, 2)).sqrt()
        mean = lengths.mean().detach()
        if self.distributed:
            dist.all_reduce(mean)
            mean /= self.world
        # An unset mean (a run's first such step) starts at the first batch's, not at 0 as in
        # StyleGAN2: a trained G resumed with the penalty switched on would otherwise be pulled
        # toward shorter paths for the ~100 steps the mean takes to catch up.
        self.pl_mean.copy_(mean if self.pl_mean.item() == 0 else self.pl_mean.lerp(mean, 0.01))
        penalty = (lengths - self.pl_mean).square().mean()
        self.opt_G.zero_grad(set_to_none=True)
        (penalty * a.pl_weight * a.pl_interval).backward()
        if self.distributed:  # G is called outside its DDP wrapper here: average the gradients by hand
            for p in G.parameters():
                if p.grad is not None:
                    dist.all_reduce(p.grad)
                    p.grad /= self.world
        self.opt_G.step()
        return penalty.item()

    def sample(self):
        if self.rank:
            return
        with torch.no_grad():
            imgs = torch.cat([self.G_ema(z.unsqueeze(0), noise_mode="const") for z in self.fixed_z])
        save_grid(imgs.cpu(), os.path.join(self.args.run, "samples", f"{self.step:06d}.png"), cols=8)

    def run(self):
        a = self.args
        log_path = os.path.join(a.run, "log.csv")
        fields = ["step", "kimg", "seconds", "loss_G", "loss_D", "D_real", "D_fake", "r1", "rt"]
        if self.anchors is not None:
            fields.append("anchor")
        new_log = not os.path.exists(log_path)
        if not new_log:  # an older run's log goes on with its own columns
            with open(log_path, newline="") as f:
                fields = next(csv.reader(f), fields)
        log = open(log_path, "a", newline="") if self.rank == 0 else None
        self.log_file = log
        writer = csv.DictWriter(log, fieldnames=fields, extrasaction="ignore") if log else None
        if writer and new_log:
            writer.writeheader()
        start = time.time()
        last_ckpt = time.time()
        last_r1 = last_pl = float("nan")  # lazy terms: logged rows show their latest value
        signs = []  # D's sign on the reals since the last row: ADA's overfitting measure r_t
        # SIGINT/SIGTERM end the run at the next step boundary with a checkpoint, so
        # stopping a long run by hand (or by a job scheduler) loses no training.
        interrupted = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda signum, frame: interrupted.append(signum))
        while True:
            stop = bool(interrupted) or (a.minutes is not None and time.time() - start >= a.minutes * 60) or \
                   (a.kimg is not None and self.nimg >= a.kimg * 1000)
            if self.distributed:  # all processes stop at the same step, or the others wait forever
                flag = torch.tensor([float(stop)], device=self.device)
                dist.all_reduce(flag, op=dist.ReduceOp.MAX)
                stop = bool(flag.item())
            if stop:
                break
            t0 = time.time()
            stats = self.train_step()
            self.train_seconds += time.time() - t0
            last_r1 = stats.get("r1", last_r1)
            last_pl = stats.get("pl", last_pl)
            signs.append(stats.pop("D_sign"))
            if self.governor and (n := self.governor.update()) is not None:
                print(f"threads={n} (other processes use {self.governor.others:.1f} of {self.governor.cores} cores)", flush=True)
            if writer and self.step % a.log_every == 0:
                row = dict(step=self.step, kimg=f"{self.nimg / 1000:.3f}", seconds=f"{self.train_seconds:.1f}",
                           r1=f"{last_r1:.4f}", **{k: f"{v:.4f}" for k, v in stats.items() if k not in ("r1", "pl")},
                           rt=f"{sum(signs) / len(signs):.4f}")
                signs.clear()
                if a.pl_weight > 0:
                    row["pl"] = f"{last_pl:.4f}"
                writer.writerow(row)
                log.flush()
                print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
            if a.sample_every and self.step % a.sample_every == 0:
                self.sample()
            if time.time() - last_ckpt >= a.ckpt_minutes * 60:
                self.save()
                last_ckpt = time.time()
        self.save()
        self.sample()
        if log:
            log.close()
        if self.distributed:
            self.shutdown()

    def shutdown(self):
        """Leave the process group together. Rank 0 still writes the checkpoint and the
        samples when the others reach this point; a rank that tore gloo down and exited
        then could abort (SIGABRT) while its peer or its own DDP reducer still held the
        connection. So: wait for every rank, release the DDP wrappers (their reducers
        hold the group), then destroy it."""
        dist.barrier()
        self.G_train = self.D_train = None
        gc.collect()  # DDP modules sit in reference cycles; free their reducers now
        dist.destroy_process_group()


def main(argv=None):
    args = parse_args(argv)
    for name, v in (("--lr", args.lr), ("--lr-g", args.lr_g)):
        if v is not None and (not math.isfinite(v) or v <= 0):
            raise SystemExit(f"{name} must be a positive number")
    Trainer(args).run()


if __name__ == "__main__":
    main()
