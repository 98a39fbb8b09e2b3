#!/usr/bin/env python3
"""Build the utkface64 training shards from the public UTKFace release.

    python3 training/prepare_utkface.py --src PATH/TO/UTKFace --out data/utkface64 [--workers 2]

Input: the "Aligned & Cropped Faces" folder of UTKFace (23,708 JPEGs of 200x200
named AGE_GENDER_RACE_DATE.jpg.chip.jpg; a few names lack the race field).
Home page: https://susanqq.github.io/UTKFace/ . UTKFace is for NON-COMMERCIAL
RESEARCH ONLY; the copyright of each image stays with its owner, and models
trained on it inherit that restriction.

Output (the layout latentscope_train.data reads):
  utkface64-train-000.zip ... -003.zip  64x64 RGB JPEGs (quality 90, no chroma
        subsampling), stored uncompressed, member names NNNNN.jpg (a global
        index); consecutive ids per shard, ceil(N / shards) per shard
  labels.csv   id,shard,age,gender,race,source_file   (race -1 where missing)
  SHA256SUMS   checksums of the shards and labels.csv (sha256sum -c format)

Steps: PIL Lanczos resize to 64x64; files whose SHA-256 of the name, as an
integer, is < 7 mod 100 are held out (about 7%; `--split test` builds those
instead, `--split all` keeps everything); the kept names are sorted and then
shuffled with a fixed seed, so any subset of shards is a fair sample. The held
out set is the same one as in the copy the project was trained on; the order
of images (and so the checksums) may differ from that copy.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import os
import random
import sys
import zipfile

from PIL import Image

SIZE = 64
JPEG_QUALITY = 90
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
HOLDOUT_PERCENT = 7


def parse_name(name: str) -> dict | None:
    """'25_1_3_20170119.jpg.chip.jpg' -> {age, gender, race}; None if it does not parse."""
    parts = os.path.basename(name).split(".")[0].split("_")
    try:
        age, gender = int(parts[0]), int(parts[1])
        race = int(parts[2]) if len(parts) >= 4 else -1
    except (ValueError, IndexError):
        return None
    if not (0 <= age <= 130 and gender in (0, 1) and -1 <= race <= 4):
        return None
    return {"age": age, "gender": gender, "race": race}


def held_out(name: str, percent: int = HOLDOUT_PERCENT) -> bool:
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % 100 < percent


def encode(path: str, size: int = SIZE) -> bytes:
    """One source image -> 64x64 JPEG bytes (Lanczos, q90, 4:4:4)."""
    with Image.open(path) as im:
        im = im.convert("RGB").resize((size, size), Image.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    return buf.getvalue()


def _encode_job(args):
    return encode(*args)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_shard(path: str, members: list[tuple[str, bytes]]):
    """A zip of stored (uncompressed) members with fixed dates, written atomically."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    os.replace(tmp, path)


def write_dataset(out: str, items: list[tuple[dict, bytes]], shards: int = 4, prefix: str = "utkface64-train") -> list[str]:
    """items: (labels incl. source_file, jpeg bytes) in final order -> shards,
    labels.csv and SHA256SUMS in `out`. Returns the written file names."""
    os.makedirs(out, exist_ok=True)
    per = max(1, math.ceil(len(items) / shards))
    width = max(5, len(str(len(items) - 1)))
    rows, names = [], []
    for k in range(shards):
        chunk = items[k * per:(k + 1) * per]
        if not chunk and k:
            break
        members = []
        for j, (labels, data) in enumerate(chunk):
            ident = f"{k * per + j:0{width}d}"
            members.append((ident + ".jpg", data))
            rows.append({"id": ident, "shard": k, "age": labels["age"], "gender": labels["gender"],
                         "race": labels["race"], "source_file": labels["source_file"]})
        name = f"{prefix}-{k:03d}.zip"
        write_shard(os.path.join(out, name), members)
        names.append(name)
    tmp = os.path.join(out, "labels.csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["id", "shard", "age", "gender", "race", "source_file"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, os.path.join(out, "labels.csv"))
    names.append("labels.csv")
    with open(os.path.join(out, "SHA256SUMS"), "w") as f:
        for n in names:
            f.write(f"{sha256_file(os.path.join(out, n))}  {n}\n")
    return names + ["SHA256SUMS"]


def select(src: str, split: str = "train", seed: int = 0) -> list[tuple[str, dict]]:
    """(path, labels) of the source images of a split, in the final (shuffled) order."""
    names = sorted(n for n in os.listdir(src) if n.lower().endswith(".jpg"))
    chosen, skipped = [], []
    for n in names:
        labels = parse_name(n)
        if labels is None:
            skipped.append(n)
            continue
        if split == "all" or held_out(n) == (split == "test"):
            chosen.append((os.path.join(src, n), {**labels, "source_file": n}))
    if skipped:
        print(f"skipped {len(skipped)} file(s) whose names do not parse, e.g. {skipped[0]}", file=sys.stderr)
    random.Random(seed).shuffle(chosen)
    return chosen


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--src", required=True, help="the UTKFace aligned & cropped folder (*.jpg.chip.jpg)")
    p.add_argument("--out", required=True, help="output folder, e.g. data/utkface64")
    p.add_argument("--split", default="train", choices=["train", "test", "all"])
    p.add_argument("--shards", type=int, default=4)
    p.add_argument("--seed", type=int, default=0, help="shuffle seed")
    p.add_argument("--size", type=int, default=SIZE, help="output resolution (the model expects 64)")
    p.add_argument("--workers", type=int, default=1, help="processes for decoding and resizing")
    p.add_argument("--limit", type=int, default=None, help="only the first N images of the split (tests)")
    args = p.parse_args(argv)
    if not os.path.isdir(args.src):
        raise SystemExit(f"{args.src} is not a folder")
    chosen = select(args.src, args.split, args.seed)[: args.limit]
    if not chosen:
        raise SystemExit(f"no UTKFace images (AGE_GENDER_RACE_DATE.jpg.chip.jpg) in {args.src}")
    jobs = [(path, args.size) for path, _ in chosen]
    if args.workers > 1:
        from multiprocessing import Pool
        with Pool(args.workers) as pool:
            blobs = pool.map(_encode_job, jobs, chunksize=64)
    else:
        blobs = [_encode_job(j) for j in jobs]
    prefix = f"utkface{args.size}-{args.split}"
    written = write_dataset(args.out, [(labels, b) for (_, labels), b in zip(chosen, blobs)], args.shards, prefix)
    print(f"{len(chosen)} images -> {args.out}: {', '.join(written)}")
    print("UTKFace is for non-commercial research only; models trained on it inherit that restriction.")


if __name__ == "__main__":
    main()
