#!/usr/bin/env python3
"""Writes probability arrays the way numpy writes them (np.save, np.savez, np.savez_compressed; float16
and float32; C and Fortran order; little and big endian; format versions 1 and 2) with the argmax numpy
computes, and files a reader must refuse (NaN, logits, wrong dtype or shape, two arrays).
  python3 numpy_probs_oracle.py OUT_DIR   -> OUT_DIR/files.json, OUT_DIR/*.npy|*.npz, OUT_DIR/*.argmax (uint16 LE)
"""
import json
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)
files = []


def softmax(x):
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def add(name, arr, how="save", good=True, version=None):
    path = os.path.join(out, name)
    if how == "save":
        if version:
            with open(path, "wb") as f:
                np.lib.format.write_array(f, arr, version=version)
        else:
            np.save(path, arr)
    elif how == "savez":
        np.savez(path, probs=arr)
    elif how == "savez_compressed":
        np.savez_compressed(path, probs=arr)
    elif how == "two":
        np.savez(path, a=arr, b=arr)
    rec = {"name": name, "good": good}
    if good:
        k, h, w = arr.shape
        rec.update(classes=k, height=h, width=w)
        arr32 = arr.astype(np.float32)
        rec["argmax"] = name + ".argmax"
        np.ascontiguousarray(arr32.argmax(axis=0).astype("<u2")).tofile(os.path.join(out, name + ".argmax"))
        rec["sample"] = [float(arr32[k - 1, h - 1, w - 1]), float(arr32[0, 0, 0]), float(arr32[k // 2, h // 2, w // 3])]
    files.append(rec)


for k, h, w in [(3, 4, 5), (19, 17, 23), (2, 1, 1), (300, 3, 2)]:
    p = softmax(rng.normal(0, 2, (k, h, w))).astype(np.float32)
    add(f"c{k}_{h}x{w}_f32.npy", p)
    add(f"c{k}_{h}x{w}_f16.npy", p.astype(np.float16))
    add(f"c{k}_{h}x{w}_f32_fortran.npy", np.asfortranarray(p))
    add(f"c{k}_{h}x{w}_f32_big.npy", p.astype(">f4"))
    add(f"c{k}_{h}x{w}_f16_v2.npy", p.astype(np.float16), version=(2, 0))
    add(f"c{k}_{h}x{w}_f16.npz", p.astype(np.float16), how="savez")
    add(f"c{k}_{h}x{w}_f32_deflate.npz", p, how="savez_compressed")
# Ties: the first class wins, as numpy's argmax.
add("ties.npy", np.full((4, 3, 3), 0.25, np.float32))
bad = softmax(rng.normal(0, 1, (3, 4, 5))).astype(np.float32)
nan = bad.copy()
nan[1, 2, 3] = np.nan
add("nan.npy", nan, good=False)
add("logits.npy", rng.normal(0, 3, (3, 4, 5)).astype(np.float32), good=False)
add("float64.npy", bad.astype(np.float64), good=False)
add("int.npy", (bad * 100).astype(np.int32), good=False)
add("flat.npy", bad.reshape(3, 20), good=False)
add("hwk.npy", bad.reshape(4, 5, 3)[None], good=False)
add("two.npz", bad, how="two", good=False)
neg = bad.copy()
neg[0, 0, 0] = -0.5
neg[1, 0, 0] += 1.0
add("negative.npy", neg, good=False)
with open(os.path.join(out, "files.json"), "w") as f:
    json.dump(files, f)
