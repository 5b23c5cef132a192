#!/usr/bin/env python3
"""Clusters and slices on a demo set with a hidden failure: time and how well the first slice
matches the hidden images.

    python3 Benchmarks/slices/bench.py --bin .build/release/segscope --dir /tmp/slices10k \
        --samples 10000 --dusk 10 [--size 160x120] [--run model_b]

Makes the demo set (dusk scenes where both models fail; no tag or split names them) unless it is
there, makes the image signatures (timed apart: `signatures`), then times `clusters --run RUN` and
`slices --run RUN`, and prints the Jaccard index of the first slice and of the worst cluster with
the dusk scenes (the demo picks them with SplitMix64(index + 0xD05C) % 100 < P).
"""
import argparse, json, os, subprocess, sys, time

from dusk import dusk_scenes, jaccard



def timed(cmd):
    t = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {r.stderr}")
    return time.monotonic() - t, r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/segscope")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--samples", type=int, default=10000)
    ap.add_argument("--dusk", type=int, default=10)
    ap.add_argument("--size", default="160x120")
    ap.add_argument("--run", default="model_b")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.dir, ".segscope-demo")):
        t, _ = timed([a.bin, "demo", "--dir", a.dir, "--samples", str(a.samples), "--size", a.size, "--dusk", str(a.dusk), "--print"])
        print(f"demo: {t:.1f} s")
    t, _ = timed([a.bin, "signatures", a.dir])
    print(f"signatures (made once, kept): {t:.2f} s")
    tc, out = timed([a.bin, "clusters", a.dir, "--run", a.run, "--json"])
    clusters = json.loads(out)
    ts, out = timed([a.bin, "slices", a.dir, "--run", a.run, "--json"])
    slices = json.loads(out)
    dusk = dusk_scenes(a.samples, a.dusk)

    print(f"clusters: {tc:.2f} s ({clusters['k']} clusters, {clusters['method']})")
    print(f"slices: {ts:.2f} s ({slices['tested']} candidates, {slices['significant']} significant)")
    print(f"clusters + slices: {tc + ts:.2f} s")
    ids = [p for c in clusters["clusters"] for p in c["samples"]]
    print(f"samples clustered: {len(ids)}, distinct: {len(set(ids))}")
    worst = clusters["clusters"][0]
    print(f"worst cluster {worst['id']}: {worst['size']} samples, mIoU {worst['miou']:.4f}, Jaccard with dusk {jaccard(worst['samples'], dusk):.3f}")
    if slices["slices"]:
        first = slices["slices"][0]
        print(f"first slice: {first['name']} ({first['definition']}), {first['size']} samples, gap {first['gap']:.4f}, "
              f"Jaccard with the {len(dusk)} dusk scenes {jaccard(first['samples'], dusk):.3f}")
    else:
        print("no slice listed")


if __name__ == "__main__":
    main()
