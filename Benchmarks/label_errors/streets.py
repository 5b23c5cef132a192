#!/usr/bin/env python3
"""A street-scene generator for judging label-error finders, written apart from segscope's demo
generator (another layout, another class map, other object shapes) and with the errors real models
make rather than independent noise:

- one confusion table that every model shares (bus<->train, truck->car, rider->person,
  motorcycle<->bicycle, wall->building, fence->wall, terrain->vegetation ...): whether an object is
  confused is drawn from a latent per object that the models share, so they are wrong together;
- small and thin objects missed together (poles, signs, far persons), by the same shared latent;
- whole stretches of stuff confused (sidewalk->road, terrain<->vegetation, road->sidewalk);
- unsure edges (each model's own 1-3 px jitter) and a few independent blobs per model.

Ground truth is the clean truth with one planted error in every tenth image, in turn: an object's
class swapped (to any other thing class), an object erased into its surroundings, an outline
shifted, a spurious object painted where there is none. The planted errors go to planted.json.

Layout written (imgseg):
  data/STEM.png          RGB photo-like picture of the truth
  labels/STEM.png        ground truth (with the planted errors); 255 = void
  classes.txt            19 Cityscapes classes
  pred/model_a/STEM.png  model A's prediction (the argmax of its probabilities)
  pred/model_b/STEM.png  model B's prediction (another model with the same habits)
  conf/model_a/STEM.png  model A's confidence (max probability x 255)
  probs/model_a/STEM.npy model A's softmax, float16 (K, H, W), K = 19   [--probs]
  planted.json           [{"stem", "kind", "box": [x0, y0, x1, y1], "given", "true"}]

  python3 streets.py --out DIR --samples 300 --seed 2 [--size 512x256] [--probs] [--npz]
"""
import argparse
import json
import os

import numpy as np
from PIL import Image

CLASSES = ["road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign", "vegetation", "terrain",
           "sky", "person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle"]
C = {n: i for i, n in enumerate(CLASSES)}
K = len(CLASSES)
VOID = 255
THINGS = [C[n] for n in ["person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle"]]
COLORS = np.array([(128, 64, 128), (244, 35, 232), (70, 70, 70), (102, 102, 156), (190, 153, 153), (153, 153, 153), (250, 170, 30),
                   (220, 220, 0), (107, 142, 35), (152, 251, 152), (70, 130, 180), (220, 20, 60), (255, 0, 0), (0, 0, 142), (0, 0, 70),
                   (0, 60, 100), (0, 80, 100), (0, 0, 230), (119, 11, 32)], dtype=np.float32)

# The habits every model shares: (true class) -> [(predicted class, probability the object is confused)].
HABITS = {
    C["bus"]: [(C["train"], 0.30), (C["truck"], 0.08)],
    C["train"]: [(C["bus"], 0.35)],
    C["truck"]: [(C["car"], 0.30), (C["bus"], 0.10)],
    C["car"]: [(C["truck"], 0.05)],
    C["rider"]: [(C["person"], 0.40)],
    C["person"]: [(C["rider"], 0.05)],
    C["motorcycle"]: [(C["bicycle"], 0.30)],
    C["bicycle"]: [(C["motorcycle"], 0.20)],
    C["wall"]: [(C["building"], 0.35), (C["fence"], 0.10)],
    C["fence"]: [(C["wall"], 0.25), (C["vegetation"], 0.08)],
    C["terrain"]: [(C["vegetation"], 0.30), (C["sidewalk"], 0.10)],
    C["traffic sign"]: [(C["traffic light"], 0.06)],
    C["traffic light"]: [(C["traffic sign"], 0.10)],
}


class Scene:
    """The clean truth, drawn object by object; each object remembers its pixels' box and class."""

    def __init__(self, rng, w, h):
        self.rng, self.w, self.h = rng, w, h
        self.truth = np.full((h, w), C["sky"], np.uint8)
        self.objects = []  # (class, mask-box: (y0, y1, x0, x1), bool array in the box)

    def paint(self, cls, box, shape, thing=False):
        y0, y1, x0, x1 = box
        y0, y1, x0, x1 = max(0, y0), min(self.h, y1), max(0, x0), min(self.w, x1)
        if y1 - y0 < 1 or x1 - x0 < 1:
            return
        sub = shape[(y0 - box[0]):(y0 - box[0]) + (y1 - y0), (x0 - box[2]):(x0 - box[2]) + (x1 - x0)]
        self.truth[y0:y1, x0:x1][sub] = cls
        self.objects.append((cls, (y0, y1, x0, x1), thing))


def ellipse(hh, ww):
    yy, xx = np.mgrid[0:hh, 0:ww]
    return ((yy + 0.5 - hh / 2) / (hh / 2)) ** 2 + ((xx + 0.5 - ww / 2) / (ww / 2)) ** 2 <= 1


def rounded(hh, ww, r):
    m = np.ones((hh, ww), bool)
    r = min(r, hh // 2, ww // 2)
    if r > 0:
        c = ellipse(2 * r, 2 * r)
        m[:r, :r] = c[:r, :r]
        m[:r, -r:] = c[:r, -r:]
        m[-r:, :r] = c[-r:, :r]
        m[-r:, -r:] = c[-r:, -r:]
    return m


def make_scene(rng, w, h):
    s = Scene(rng, w, h)
    t = s.truth
    horizon = int(h * rng.uniform(0.38, 0.55))
    # Buildings along the skyline, some set back behind a wall or fence.
    x = 0
    while x < w:
        bw = int(rng.uniform(0.08, 0.25) * w)
        top = int(rng.uniform(0.03, 0.3) * h)
        s.paint(C["building"], (top, horizon, x, x + bw), np.ones((horizon - top, bw), bool))
        x += bw
    # Trees: vegetation blobs over the buildings.
    for _ in range(rng.integers(1, 5)):
        tw, th = int(rng.uniform(0.06, 0.2) * w), int(rng.uniform(0.15, 0.35) * h)
        tx, ty = int(rng.uniform(0, w - tw)), horizon - th + int(rng.uniform(0, 0.05) * h)
        s.paint(C["vegetation"], (ty, ty + th, tx, tx + tw), ellipse(th, tw))
    # Ground: sidewalks both sides, road in the middle (a trapezoid), terrain at the far edges.
    yy, xx = np.mgrid[horizon:h, 0:w]
    depth = (yy - horizon + 1) / (h - horizon)
    centre = w * rng.uniform(0.42, 0.58)
    half = w * (0.04 + 0.5 * depth)
    walk = w * (0.02 + 0.22 * depth) * rng.uniform(0.7, 1.3)
    ground = np.full(yy.shape, C["terrain"], np.uint8)
    ground[np.abs(xx - centre) < half + walk] = C["sidewalk"]
    ground[np.abs(xx - centre) < half] = C["road"]
    if rng.random() < 0.5:
        ground[(np.abs(xx - centre) >= half + walk) & (depth < 0.5)] = C["vegetation"]
    t[horizon:h] = ground
    # A wall or fence segment along the horizon.
    for _ in range(rng.integers(0, 3)):
        cls = C["wall"] if rng.random() < 0.5 else C["fence"]
        fw, fh = int(rng.uniform(0.1, 0.3) * w), int(rng.uniform(0.04, 0.1) * h)
        fx = int(rng.uniform(0, w - fw))
        s.paint(cls, (horizon - fh, horizon + 2, fx, fx + fw), np.ones((fh + 2, fw), bool))
    # Poles with signs and lights.
    for _ in range(rng.integers(1, 6)):
        px = int(rng.uniform(0.02, 0.98) * w)
        side = -1 if px < centre else 1
        base = int(horizon + rng.uniform(0.1, 0.6) * (h - horizon))
        pw = max(2, int(rng.uniform(0.004, 0.01) * w * (1 + 2 * (base - horizon) / (h - horizon))))
        ph = int((base - horizon) * rng.uniform(1.5, 3.0)) + int(0.05 * h)
        s.paint(C["pole"], (base - ph, base, px, px + pw), np.ones((ph, pw), bool))
        if rng.random() < 0.7:
            cls = C["traffic sign"] if rng.random() < 0.6 else C["traffic light"]
            sw = max(3, int(pw * rng.uniform(2, 4)))
            sh = max(3, int(sw * (1.0 if cls == C["traffic sign"] else 2.2)))
            sx = px + pw // 2 - sw // 2 + side * 0
            s.paint(cls, (base - ph, base - ph + sh, sx, sx + sw), np.ones((sh, sw), bool), thing=True)
    # Vehicles on the road, nearer = lower and larger; persons and riders on the sidewalks.
    placements = []
    for _ in range(rng.integers(2, 9)):
        cls = rng.choice([C["car"]] * 6 + [C["truck"]] * 2 + [C["bus"], C["train"]] * 1)
        d = rng.uniform(0.05, 1.0)
        bottom = int(horizon + d * (h - horizon))
        scale = 0.15 + 0.85 * d
        vw = int(w * scale * {C["car"]: 0.16, C["truck"]: 0.22, C["bus"]: 0.3, C["train"]: 0.45}[cls])
        vh = int(vw * {C["car"]: 0.55, C["truck"]: 0.75, C["bus"]: 0.6, C["train"]: 0.45}[cls])
        half_here = w * (0.04 + 0.5 * (bottom - horizon + 1) / (h - horizon))
        vx = int(centre + rng.uniform(-1, 1) * half_here - vw / 2)
        placements.append((bottom, cls, (bottom - vh, bottom, vx, vx + vw), rounded(max(2, vh), max(2, vw), max(1, vw // 8))))
    for _ in range(rng.integers(0, 7)):
        cls = C["person"] if rng.random() < 0.65 else C["rider"]
        d = rng.uniform(0.05, 1.0)
        bottom = int(horizon + d * (h - horizon))
        ph = int(h * (0.06 + 0.3 * d))
        pw = max(2, int(ph * 0.35))
        half_here = w * (0.04 + 0.5 * (bottom - horizon + 1) / (h - horizon))
        walk_here = w * (0.02 + 0.22 * (bottom - horizon + 1) / (h - horizon))
        side = -1 if rng.random() < 0.5 else 1
        px = int(centre + side * (half_here + rng.uniform(0, 1) * walk_here) - pw / 2)
        if cls == C["rider"]:
            bike = C["bicycle"] if rng.random() < 0.6 else C["motorcycle"]
            bh, bw = max(2, int(ph * 0.45)), max(3, int(ph * 0.7))
            placements.append((bottom, bike, (bottom - bh, bottom, px + pw // 2 - bw // 2, px + pw // 2 - bw // 2 + bw), ellipse(bh, bw)))
            placements.append((bottom - 1, cls, (bottom - bh // 2 - ph, bottom - bh // 2, px, px + pw), ellipse(ph, pw)))
        else:
            placements.append((bottom, cls, (bottom - ph, bottom, px, px + pw), ellipse(ph, pw)))
    for _, cls, box, shape in sorted(placements, key=lambda p: p[0]):
        s.paint(cls, box, shape, thing=True)
    # Void: the ego vehicle's bonnet in half the images, and a thin void outline around some objects.
    if rng.random() < 0.5:
        eh = int(rng.uniform(0.04, 0.1) * h)
        t[h - eh:h, :] = VOID
    return s


def components(mask):
    """4-connected components of a boolean array (labels 1..n)."""
    from scipy import ndimage  # noqa: local import keeps scipy optional for --help
    lab, n = ndimage.label(mask)
    return lab, n


def surrounding_class(t, comp):
    from scipy import ndimage
    ring = ndimage.binary_dilation(comp, iterations=2) & ~comp
    vals = t[ring]
    vals = vals[(vals != VOID)]
    vals = vals[~np.isin(vals, t[comp][:1])]
    if vals.size == 0:
        return C["road"]
    return int(np.bincount(vals, minlength=256).argmax())


def instances(truth, objects):
    """The visible pixels of each drawn thing and stuff-object, as (class, bool mask, is_thing)."""
    out = []
    seen = np.zeros(truth.shape, bool)
    for cls, (y0, y1, x0, x1), thing in reversed(objects):
        m = np.zeros(truth.shape, bool)
        m[y0:y1, x0:x1] = truth[y0:y1, x0:x1] == cls
        m &= ~seen
        if m.sum() == 0:
            continue
        seen |= m
        out.append((cls, m, thing))
    return out


def simulate(truth, insts, shared, rng, model_seed):
    """One model's logits (K, H, W) from the clean truth: shared habits, joint misses of small objects,
    stuff stretches, unsure edges, its own few blobs."""
    from scipy import ndimage
    h, w = truth.shape
    own = np.random.default_rng(model_seed)
    target = truth.copy()
    soft = {}  # pixels whose runner-up class keeps some probability: (mask, class, logit)
    area = h * w
    for idx, (cls, m, thing) in enumerate(insts):
        u = shared["u"][idx] + own.normal(0, 0.06)
        a = m.sum()
        # Joint misses: small things (and thin poles) vanish into their surroundings.
        small = 0.0015 * area
        if cls in THINGS + [C["traffic sign"], C["traffic light"]] and a < small:
            if u < 0.75 * (1 - a / small) + 0.15:
                sur = surrounding_class(truth, m)
                target[m] = sur
                soft[idx] = (m, cls, 2.2)
                continue
        # Shared habits: the whole object (or its upper or lower part) becomes the confused class.
        acc = 0.0
        for other, p in HABITS.get(cls, []):
            if acc <= u < acc + p:
                part = m.copy()
                if shared["part"][idx] < 0.3:
                    ys = np.nonzero(m.any(axis=1))[0]
                    cut = ys[0] + (ys[-1] - ys[0]) // 2
                    if shared["part"][idx] < 0.15:
                        part[cut:] = False
                    else:
                        part[:cut] = False
                target[part] = other
                soft[idx] = (part, cls, 2.8)
                break
            acc += p
    # Stuff stretches: part of the sidewalk read as road, terrain as vegetation, road as sidewalk.
    for (src, dst, p) in [(C["sidewalk"], C["road"], 0.55), (C["terrain"], C["vegetation"], 0.4), (C["road"], C["sidewalk"], 0.2),
                          (C["vegetation"], C["terrain"], 0.2), (C["building"], C["wall"], 0.15)]:
        if shared["stuff"][(src, dst)] + own.normal(0, 0.05) < p:
            region = truth == src
            if region.sum() == 0:
                continue
            ys, xs = np.nonzero(region)
            cy, cx = shared["stuff_at"][(src, dst)]
            cy, cx = ys.min() + cy * (ys.max() - ys.min()), xs.min() + cx * (xs.max() - xs.min())
            ry, rx = (ys.max() - ys.min()) * 0.35 + 4, (xs.max() - xs.min()) * 0.25 + 4
            yy, xx = np.mgrid[0:h, 0:w]
            blob = (((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1) & region
            target[blob] = dst
            soft[("stuff", src, dst)] = (blob, src, 2.6)
    # Its own blobs: a few small wrong patches.
    for _ in range(own.integers(0, 3)):
        cy, cx = own.integers(0, h), own.integers(0, w)
        r = own.integers(3, max(4, h // 20))
        yy, xx = np.ogrid[0:h, 0:w]
        blob = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        target[blob & (truth != VOID)] = own.integers(0, K)
    # Unsure edges: each pixel near an edge may take a neighbour's class.
    jitter = target.copy()
    for dy, dx in [(0, 1), (0, -1), (1, 0), (-1, 0), (0, 2), (2, 0)]:
        shifted = np.roll(target, (dy, dx), axis=(0, 1))
        take = (own.random(target.shape) < 0.22) & (shifted != target)
        jitter[take] = shifted[take]
    target = jitter
    target[target == VOID] = C["road"]
    # Logits: the predicted class high, the runner-up where a habit or miss hides the truth, edge blur.
    logits = own.normal(0, 0.35, (K, h, w)).astype(np.float32)
    onehot = np.zeros((K, h, w), np.float32)
    np.put_along_axis(onehot, target[None].astype(np.int64), 1.0, axis=0)
    blurred = ndimage.uniform_filter(onehot, size=(1, 5, 5), mode="nearest")
    logits += 5.0 * blurred + 1.0 * onehot
    for m, cls, strength in soft.values():
        logits[cls][m] += strength + own.normal(0, 0.3)
    return logits


def softmax(logits):
    z = logits - logits.max(axis=0, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=0, keepdims=True)


def plant(kind, truth, insts, rng):
    """Returns (ground truth with one error, record) or None when the scene has nothing to plant on."""
    from scipy import ndimage
    h, w = truth.shape
    gt = truth.copy()
    things = [(cls, m) for cls, m, thing in insts if cls in THINGS and m.sum() >= 0.003 * h * w]
    if kind != "spurious" and not things:
        return None
    if kind == "swap":
        cls, m = things[rng.integers(0, len(things))]
        to = int(rng.choice([c for c in THINGS if c != cls]))
        gt[m] = to
        given, true = to, cls
    elif kind == "erase":
        cls, m = things[rng.integers(0, len(things))]
        sur = surrounding_class(truth, m)
        gt[m] = sur
        given, true = sur, cls
    elif kind == "shift":
        cls, m = things[rng.integers(0, len(things))]
        xs = np.nonzero(m.any(axis=0))[0]
        dx = max(6, int(0.25 * (xs.max() - xs.min() + 1))) * (1 if rng.random() < 0.5 else -1)
        sur = surrounding_class(truth, m)
        gt[m] = sur
        moved = np.roll(m, dx, axis=1)
        if dx > 0:
            moved[:, :dx] = False
        else:
            moved[:, dx:] = False
        gt[moved] = cls
        given, true = sur, cls
    else:  # spurious: a thing painted where the truth is stuff
        cls = int(rng.choice([C["car"], C["person"], C["truck"], C["bicycle"]]))
        for _ in range(50):
            bh, bw = int(rng.uniform(0.06, 0.16) * h), int(rng.uniform(0.05, 0.14) * w)
            y0, x0 = rng.integers(0, h - bh), rng.integers(0, w - bw)
            region = truth[y0:y0 + bh, x0:x0 + bw]
            if np.isin(region, THINGS + [VOID]).any():
                continue
            shape = ellipse(bh, bw) if cls == C["person"] else rounded(bh, bw, bw // 6)
            gt[y0:y0 + bh, x0:x0 + bw][shape] = cls
            given, true = cls, int(np.bincount(region[shape]).argmax())
            break
        else:
            return None
    diff = gt != truth
    if diff.sum() == 0:
        return None
    ys, xs = np.nonzero(diff)
    return gt, {"kind": kind, "box": [int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())], "given": CLASSES[given] if given < K else "void",
                "true": CLASSES[true], "pixels": int(diff.sum())}


def picture(truth, rng):
    img = COLORS[np.minimum(truth, K - 1)] * 0.7 + 40
    img[truth == VOID] = (20, 20, 20)
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--size", default="512x256")
    ap.add_argument("--probs", action="store_true", help="write model A's softmax as STEM.npy (float16)")
    ap.add_argument("--npz", action="store_true", help="write the probabilities as STEM.npz instead")
    ap.add_argument("--every", type=int, default=10, help="plant an error in every Nth image")
    a = ap.parse_args()
    w, h = (int(v) for v in a.size.split("x"))
    for d in ["data", "labels", "pred/model_a", "pred/model_b", "conf/model_a"] + (["probs/model_a"] if a.probs or a.npz else []):
        os.makedirs(os.path.join(a.out, d), exist_ok=True)
    with open(os.path.join(a.out, "classes.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")
    kinds = ["swap", "erase", "shift", "spurious"]
    planted = []
    for i in range(a.samples):
        rng = np.random.default_rng([a.seed, i])
        s = make_scene(rng, w, h)
        truth = s.truth
        insts = instances(truth, s.objects)
        shared = {"u": rng.random(len(insts)), "part": rng.random(len(insts)),
                  "stuff": {k: rng.random() for k in [(C["sidewalk"], C["road"]), (C["terrain"], C["vegetation"]), (C["road"], C["sidewalk"]),
                                                       (C["vegetation"], C["terrain"]), (C["building"], C["wall"])]},
                  "stuff_at": {k: (rng.random(), rng.random()) for k in [(C["sidewalk"], C["road"]), (C["terrain"], C["vegetation"]),
                                                                         (C["road"], C["sidewalk"]), (C["vegetation"], C["terrain"]),
                                                                         (C["building"], C["wall"])]}}
        stem = f"frame_{i:05d}"
        gt = truth
        if i % a.every == a.every // 2:
            done = None
            for attempt in range(4):
                done = plant(kinds[(len(planted) + attempt) % 4], truth, insts, rng)
                if done:
                    break
            if done:
                gt, rec = done
                rec["stem"] = stem
                planted.append(rec)
        la = simulate(truth, insts, shared, rng, [a.seed, i, 1])
        lb = simulate(truth, insts, shared, rng, [a.seed, i, 2])
        pa = softmax(la)
        ma = pa.argmax(axis=0).astype(np.uint8)
        mb = lb.argmax(axis=0).astype(np.uint8)
        Image.fromarray(picture(truth, rng)).save(os.path.join(a.out, "data", stem + ".png"))
        Image.fromarray(gt).save(os.path.join(a.out, "labels", stem + ".png"))
        Image.fromarray(ma).save(os.path.join(a.out, "pred/model_a", stem + ".png"))
        Image.fromarray(mb).save(os.path.join(a.out, "pred/model_b", stem + ".png"))
        Image.fromarray(np.clip(pa.max(axis=0) * 255 + 0.5, 0, 255).astype(np.uint8)).save(os.path.join(a.out, "conf/model_a", stem + ".png"))
        if a.npz:
            np.savez_compressed(os.path.join(a.out, "probs/model_a", stem + ".npz"), probs=pa.astype(np.float16))
        elif a.probs:
            np.save(os.path.join(a.out, "probs/model_a", stem + ".npy"), pa.astype(np.float16))
    with open(os.path.join(a.out, "planted.json"), "w") as f:
        json.dump(planted, f, indent=1)
    print(f"{a.samples} scenes at {w}x{h}, seed {a.seed}: {len(planted)} planted errors in {a.out}")


if __name__ == "__main__":
    main()
