#!/usr/bin/env python3
"""TIFF files as microscopy and remote-sensing datasets ship them, written by tifffile and Pillow,
with the pixel values numpy reads back from them.

Usage: tiff_oracle.py OUTDIR. Writes:
- OUTDIR/files/*.tif and OUTDIR/files/NAME.bin (the samples numpy reads, little-endian, row-major,
  interleaved) plus OUTDIR/files.json [{name, width, height, channels, bits}];
- OUTDIR/dataset/images + masks: 16-bit gray microscopy images with 8-bit masks, RGB images with
  16-bit masks (stripped and tiled; deflate, LZW, PackBits, none) and OUTDIR/counts.json: pixels per
  mask value over the dataset's masks, as numpy counts them;
- OUTDIR/bad/*.tif: a truncated file, garbage after the TIFF magic, a stack and a float map.
"""
import json
import os
import sys

import numpy as np
import tifffile
from PIL import Image


def save(path, arr, how):
    if how in ("lzw", "packbits"):
        Image.fromarray(arr).save(path, compression={"lzw": "tiff_lzw", "packbits": "packbits"}[how])
    elif how == "deflate":
        tifffile.imwrite(path, arr, compression="zlib")
    elif how == "deflate-predictor":
        tifffile.imwrite(path, arr, compression="zlib", predictor=True)
    elif how == "tiled":
        tifffile.imwrite(path, arr, tile=(16, 32), compression="zlib")
    elif how == "bigendian":
        tifffile.imwrite(path, arr, byteorder=">")
    elif how == "planar":
        tifffile.imwrite(path, np.moveaxis(arr, 2, 0), planarconfig="separate", photometric="rgb")
    elif how == "rows3":
        tifffile.imwrite(path, arr, rowsperstrip=3)
    else:
        tifffile.imwrite(path, arr)
    # tifffile decodes LZW and PackBits only with imagecodecs; Pillow reads them itself.
    back = np.array(Image.open(path)) if how in ("lzw", "packbits") else tifffile.imread(path)
    if how == "planar" and back.shape != arr.shape:
        back = np.moveaxis(back, 0, 2)
    assert np.array_equal(back, arr), path
    return back


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(20261129)
    for d in ["files", "dataset/images", "dataset/masks", "bad"]:
        os.makedirs(os.path.join(out, d), exist_ok=True)
    files = []

    def record(name, arr):
        a = np.ascontiguousarray(arr)
        a.astype(a.dtype.newbyteorder("<")).tofile(os.path.join(out, "files", name + ".bin"))
        files.append({"name": name, "width": int(a.shape[1]), "height": int(a.shape[0]),
                      "channels": int(a.shape[2]) if a.ndim == 3 else 1, "bits": int(a.dtype.itemsize * 8)})

    # Decoder cases: every layout and compression, odd sizes.
    for how in ["none", "deflate", "deflate-predictor", "lzw", "packbits", "tiled", "bigendian", "rows3"]:
        for dtype in [np.uint8, np.uint16]:
            if how in ("lzw", "packbits") and dtype == np.uint16:
                continue  # Pillow writes 16-bit gray only uncompressed
            h, w = 37, 53
            a = rng.integers(0, 256 if dtype == np.uint8 else 65536, (h, w)).astype(dtype)
            name = f"gray{dtype(0).itemsize * 8}_{how}"
            record(name, save(os.path.join(out, "files", name + ".tif"), a, how))
    for how in ["none", "deflate", "lzw", "packbits", "tiled", "planar"]:
        a = rng.integers(0, 256, (29, 41, 3)).astype(np.uint8)
        name = f"rgb8_{how}"
        record(name, save(os.path.join(out, "files", name + ".tif"), a, how))
    a = rng.integers(0, 65536, (21, 17, 3)).astype(np.uint16)
    record("rgb16_deflate", save(os.path.join(out, "files", "rgb16_deflate.tif"), a, "deflate"))

    # A dataset: microscopy (16-bit images, 8-bit masks) and remote sensing (RGB images, 16-bit masks).
    counts = {}
    for i in range(6):
        h, w = 48, 64
        yy, xx = np.mgrid[0:h, 0:w]
        if i < 3:
            img = (200 + 50 * rng.random((h, w)) + 3000 * ((yy - 20) ** 2 + (xx - 30) ** 2 < 100)).astype(np.uint16)
            mask = np.zeros((h, w), np.uint8)
            mask[(yy - 20) ** 2 + (xx - 30) ** 2 < 100] = 1
            mask[40:, :10] = 2
            save(os.path.join(out, "dataset/images", f"cells_{i}.tif"), img, "deflate")
            save(os.path.join(out, "dataset/masks", f"cells_{i}.tif"), mask, ["lzw", "packbits", "none"][i])
        else:
            img = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
            mask = (rng.integers(0, 4, (h, w)) * (xx // 16 + 1)).astype(np.uint16)
            save(os.path.join(out, "dataset/images", f"tile_{i}.tif"), img, ["deflate", "tiled", "packbits"][i - 3])
            save(os.path.join(out, "dataset/masks", f"tile_{i}.tif"), mask, ["tiled", "deflate", "none"][i - 3])
        for v, n in zip(*np.unique(mask, return_counts=True)):
            counts[str(int(v))] = counts.get(str(int(v)), 0) + int(n)

    # Broken files.
    good = open(os.path.join(out, "files", "gray16_tiled.tif"), "rb").read()
    open(os.path.join(out, "bad", "truncated.tif"), "wb").write(good[: len(good) // 2])
    open(os.path.join(out, "bad", "garbage.tif"), "wb").write(b"II*\x00" + bytes(rng.integers(0, 256, 300, dtype=np.uint8)))
    tifffile.imwrite(os.path.join(out, "bad", "stack.tif"), rng.integers(0, 3, (4, 16, 16)).astype(np.uint8), photometric="minisblack")
    tifffile.imwrite(os.path.join(out, "bad", "float.tif"), rng.random((16, 16)).astype(np.float32))

    json.dump(files, open(os.path.join(out, "files.json"), "w"))
    json.dump(counts, open(os.path.join(out, "counts.json"), "w"))


if __name__ == "__main__":
    main()
