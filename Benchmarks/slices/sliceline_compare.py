#!/usr/bin/env python3
"""SliceLine (Sagadeeva & Boehm, SIGMOD 2021; the `sliceline` package) against `segscope slices` on
the same demo set and the same per-sample features.

    pip install sliceline
    python3 Benchmarks/slices/sliceline_compare.py --bin .build/release/segscope --dir DEMO --samples N --dusk P

SliceLine gets, for every evaluated sample: its split, deciles of brightness and of contrast, its
cluster, and whether each ground-truth class is present; its error is 1 - the sample's mIoU (a
classifier-style tool needs a per-sample error; segscope tests the slice's pooled mIoU instead). Both
top slices are compared with the hidden dusk scenes (Jaccard), and both are timed.
"""
import argparse, json, os, sqlite3, struct, subprocess, sys, time

import numpy as np
from sliceline.slicefinder import Slicefinder

from dusk import dusk_scenes, jaccard



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/segscope")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--samples", type=int, required=True)
    ap.add_argument("--dusk", type=int, required=True)
    ap.add_argument("--run", default="model_b")
    ap.add_argument("--alpha", type=float, default=0.95, help="SliceLine's weight of the error against the size (0.95 as in its paper)")
    a = ap.parse_args()
    dusk = dusk_scenes(a.samples, a.dusk)
    # segscope (signatures and clusters made first, as the user would).
    subprocess.run([a.bin, "clusters", a.dir], check=True, capture_output=True)
    t = time.monotonic()
    out = subprocess.run([a.bin, "slices", a.dir, "--run", a.run, "--json"], check=True, capture_output=True, text=True).stdout
    t_seg = time.monotonic() - t
    seg = json.loads(out)["slices"]
    # The same features, read from the dataset's database.
    db = sqlite3.connect(os.path.join(a.dir, ".segscope", "dataset.sqlite"))
    run_id = db.execute("SELECT id FROM eval_run WHERE key = ?", (a.run,)).fetchone()[0]
    rows = db.execute(
        """SELECT s.id, s.path, s.split, e.miou, g.brightness, g.contrast, c.cluster, h.hist FROM sample s
           JOIN eval_sample e ON e.sample_id = s.id AND e.run_id = ? AND e.miou IS NOT NULL
           JOIN image_signature g ON g.sample_id = s.id LEFT JOIN sample_cluster c ON c.sample_id = s.id
           LEFT JOIN mask_histogram h ON h.sample_id = s.id AND h.field = 'ground_truth' WHERE s.present = 1""",
        (run_id,),
    ).fetchall()
    paths = [r[1] for r in rows]
    classes = sorted({struct.unpack_from("<I", r[7], o)[0] for r in rows if r[7] for o in range(0, len(r[7]), 12)} - {255})

    def present(hist):
        vals = {struct.unpack_from("<I", hist, o)[0] for o in range(0, len(hist or b""), 12)}
        return [1 + (c in vals) for c in classes]

    bright = np.array([r[4] for r in rows]); contrast = np.array([r[5] for r in rows])
    dec = lambda v: 1 + np.searchsorted(np.quantile(v, np.linspace(0.1, 0.9, 9)), v, side="right")
    splits = sorted({r[2] or "" for r in rows})
    X = np.column_stack([
        [1 + splits.index(r[2] or "") for r in rows], dec(bright), dec(contrast), [1 + (r[6] or 0) for r in rows],
        np.array([present(r[7]) for r in rows]),
    ])
    errors = np.array([1 - r[3] for r in rows])
    t = time.monotonic()
    sf = Slicefinder(alpha=a.alpha, k=3, max_l=2, min_sup=10, verbose=False)
    sf.fit(X, errors)
    t_sl = time.monotonic() - t

    print(f"{len(rows)} evaluated samples, {len(dusk)} dusk scenes")
    if seg:
        print(f"segscope slices: {t_seg:.2f} s; first: {seg[0]['definition']} ({seg[0]['size']} samples), Jaccard {jaccard(seg[0]['samples'], dusk):.3f}")
    names = ["split", "brightness decile", "contrast decile", "cluster"] + [f"class {c} present" for c in classes]
    top = sf.top_slices_
    if top is None or len(top) == 0:
        print(f"SliceLine: {t_sl:.2f} s; no slice")
        return
    for rank, sl in enumerate(top[:3]):
        mask = np.all([(X[:, j] == v) for j, v in enumerate(sl) if v is not None and not (isinstance(v, float) and np.isnan(v))], axis=0)
        members = [p for p, m in zip(paths, mask) if m]
        desc = ", ".join(f"{names[j]}={v}" for j, v in enumerate(sl) if v is not None and not (isinstance(v, float) and np.isnan(v)))
        print(f"SliceLine {'' if rank else f'({t_sl:.2f} s) '}#{rank + 1}: {desc} ({len(members)} samples), Jaccard {jaccard(members, dusk):.3f}")


if __name__ == "__main__":
    main()
