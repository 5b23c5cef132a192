#!/usr/bin/env python3
"""The label-error finder against the naive rankings and cleanlab, on scenes of streets.py.

For each kind of evidence it runs `segscope mistakes` on an imported copy of the set and ranks the
images; cleanlab.segmentation gets model A's probabilities (the same .npy files segscope reads).
Reported per ranking, with k = the number of planted errors:
  precision@k      planted images among the top k;
  region recall@k  planted errors whose image is in the top k and whose box a reported region
                   overlaps (naive rankings point at no region: they get the image-level bound;
                   cleanlab's find_label_issues points at pixels, which must touch the box);
  time             wall time of the ranking (segscope: the whole `mistakes` command).

  python3 bench.py --segscope .build/release/segscope --dir /tmp/le-heldout --seed 2 --samples 300 [--no-cleanlab]

Tune on one seed (1), report on another (2): the held-out table is the one that counts.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, **kw):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return p.stdout, time.time() - t


def overlaps(box, r):
    x0, y0, x1, y1 = box
    return r["x"] <= x1 and r["y"] <= y1 and r["x"] + r["width"] - 1 >= x0 and r["y"] + r["height"] - 1 >= y0


def score_rank(order, planted, regions_of=None):
    """order: stems, most suspicious first. regions_of(stem) -> reported regions, or None."""
    k = len(planted)
    top = set(order[:k])
    by_stem = {}
    for p in planted:
        by_stem.setdefault(p["stem"], []).append(p)
    hits = sum(1 for s in top if s in by_stem)
    found = 0
    for p in planted:
        if p["stem"] not in top:
            continue
        if regions_of is None:
            found += 1
        elif any(overlaps(p["box"], r) for r in regions_of(p["stem"])):
            found += 1
    return hits / k, found / k


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--segscope", default=os.path.join(HERE, "../../.build/release/segscope"))
    ap.add_argument("--dir", required=True)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--size", default="512x256")
    ap.add_argument("--no-cleanlab", action="store_true")
    ap.add_argument("--detail", action="store_true", help="print the top of the two-model list with what was planted")
    a = ap.parse_args()
    seg = os.path.abspath(a.segscope)
    d = a.dir
    if not os.path.exists(os.path.join(d, "planted.json")):
        run([sys.executable, os.path.join(HERE, "streets.py"), "--out", d, "--samples", str(a.samples), "--seed", str(a.seed), "--size", a.size, "--probs"])
    planted = json.load(open(os.path.join(d, "planted.json")))
    stems = sorted(f[:-4] for f in os.listdir(os.path.join(d, "labels")))
    if not os.path.exists(os.path.join(d, ".segscope")):
        run([seg, "import", ".", "--pred", "model_a=pred/model_a", "--pred", "model_b=pred/model_b", "--pred", "model_h=pred/model_a",
             "--conf", "model_a=conf/model_a", "--probs", "model_p=probs/model_a"], cwd=d)
    print(f"{len(stems)} scenes, {len(planted)} planted errors (" +
          ", ".join(f"{k} {sum(1 for p in planted if p['kind'] == k)}" for k in ["swap", "erase", "shift", "spurious"]) + f"), seed {a.seed}")
    print()
    print(f"{'evidence':34} {'ranking':26} {'precision@k':>11} {'region recall@k':>16} {'time':>8}")
    gt = {s: np.array(Image.open(os.path.join(d, "labels", s + ".png"))) for s in stems}
    preds = {m: {s: np.array(Image.open(os.path.join(d, "pred", m, s + ".png"))) for s in stems} for m in ["model_a", "model_b"]}

    naive_cache = {}

    def naive(models):
        key = tuple(models)
        if key in naive_cache:
            return naive_cache[key]
        miou, wrong = {}, {}
        for s in stems:
            g = gt[s]
            v = g != 255
            ious, w = [], 0
            for m in models:
                p = preds[m][s]
                w += int((p[v] != g[v]).sum())
                cls = np.union1d(np.unique(g[v]), np.unique(p[v]))
                inter = [((g == c) & (p == c) & v).sum() for c in cls]
                union = [(((g == c) | (p == c)) & v).sum() for c in cls]
                ious.append(np.mean([a / max(1, b) for a, b in zip(inter, union)]))
            miou[s], wrong[s] = np.mean(ious), w
        naive_cache[key] = (sorted(stems, key=lambda s: miou[s]), sorted(stems, key=lambda s: -wrong[s]))
        return naive_cache[key]

    rows = [("two hard predictions (A + B)", ["model_h", "model_b"], ["model_a", "model_b"]),
            ("one prediction + confidence (A)", ["model_a"], ["model_a"]),
            ("one model's probabilities (A)", ["model_p"], ["model_a"]),
            ("one hard prediction (A)", ["model_h"], ["model_a"])]
    results = {}
    for name, fields, models in rows:
        # A fresh key: a run made again with the same key resumes (and would time nothing).
        key = f"bench-{os.getpid()}-{'+'.join(fields)}"
        out, secs = run([seg, "mistakes", d, "--json", "--top", "0", "--key", key] + sum([["--pred", f] for f in fields], []))
        rep = json.loads(out)
        order = [os.path.splitext(os.path.basename(s["path"]))[0] for s in rep["samples"]]
        order += [s for s in stems if s not in set(order)]
        regs = {}
        for r in rep["regions"]:
            regs.setdefault(os.path.splitext(os.path.basename(r["path"]))[0], []).append(r)
        p, r = score_rank(order, planted, lambda s: regs.get(s, []))
        results[name] = (p, r)
        print(f"{name:34} {'segscope mistakes':26} {p:11.3f} {r:16.3f} {secs:7.1f}s   ({rep['evidence']})")
        by_miou, by_wrong = naive(models)
        for label, o in [("worst mIoU first", by_miou), ("most wrong pixels", by_wrong)]:
            p, r = score_rank(o, planted)
            print(f"{'':34} {label:26} {p:11.3f} {r:16.3f}")
        if a.detail and fields == ["model_h", "model_b"]:
            kinds = {p["stem"]: p for p in planted}
            for i, s in enumerate(order[:len(planted) + 10]):
                top = regs.get(s, [])[:2]
                desc = "; ".join(f"{x['kind']} {x['given']}->{x['predicted']} {x['pixels']}px s={x['score']:.3f}" for x in top)
                pl = kinds.get(s)
                print(f"   #{i + 1} {s} {('PLANTED ' + pl['kind'] + ' ' + pl['given'] + '<-' + pl['true']) if pl else '-'}: {desc}")
            for s, pl in kinds.items():
                if s not in order[:len(planted)]:
                    top = regs.get(s, [])[:2]
                    desc = "; ".join(f"{x['kind']} {x['given']}->{x['predicted']} {x['pixels']}px s={x['score']:.3f}" for x in top)
                    print(f"   missed {s} (rank {order.index(s) + 1}) {pl['kind']} {pl['given']}<-{pl['true']} {pl['pixels']}px: {desc}")
    if not a.no_cleanlab:
        try:
            from cleanlab.segmentation.filter import find_label_issues
            from cleanlab.segmentation.rank import get_label_quality_scores
        except ImportError:
            print("cleanlab is not installed (pip install cleanlab): its rows are left out")
            return
        probs = np.stack([np.load(os.path.join(d, "probs/model_a", s + ".npy")).astype(np.float32) for s in stems])
        labels = np.stack([gt[s] for s in stems]).astype(np.int64)
        void = labels == 255
        # cleanlab has no ignore label: void pixels take the model's own class (no evidence either way).
        labels[void] = probs.argmax(axis=1)[void]
        t = time.time()
        image_scores, _ = get_label_quality_scores(labels, probs, method="softmin", verbose=False)
        secs = time.time() - t
        order = [stems[i] for i in np.argsort(image_scores, kind="stable")]
        p, _ = score_rank(order, planted)
        t = time.time()
        issues = find_label_issues(labels, probs, downsample=1, n_jobs=1, verbose=False)
        secs2 = time.time() - t
        def issue_regions(s):
            m = issues[stems.index(s)]
            ys, xs = np.nonzero(m)
            return [{"x": int(x), "y": int(y), "width": 1, "height": 1} for y, x in zip(ys, xs)]
        # softmin ranks images; find_label_issues' pixels are what it points at within them.
        _, r = score_rank(order, planted, issue_regions)
        label = "one model's probabilities (A)"
        print(f"{label:34} {'cleanlab softmin':26} {p:11.3f} {r:16.3f} {secs + secs2:7.1f}s")
        counts = issues.reshape(len(stems), -1).sum(axis=1)
        order2 = [stems[i] for i in np.argsort(-counts, kind="stable")]
        p2, r2 = score_rank(order2, planted, issue_regions)
        print(f"{'':34} {'cleanlab find_label_issues':26} {p2:11.3f} {r2:16.3f}")
    print(f"\npeak RSS of this script (cleanlab included): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
