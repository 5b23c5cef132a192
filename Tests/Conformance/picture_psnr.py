#!/usr/bin/env python3
"""How faithful segscope's terminal pictures are, next to img2sixel and chafa, on a real photo.

Usage: picture_psnr.py SEGSCOPE PHOTO OUTDIR [COLUMNS...]   (default columns: 30 80)

For each width in columns:
- sixel: `segscope render PHOTO --graphics sixel --cols N`, the sixel decoded with ImageMagick and
  cropped to the picture (the padding to whole 6-row bands removed); img2sixel at the same width and
  height, decoded the same way;
- half-blocks: `segscope render PHOTO --graphics halfblock --colors truecolor --cols N` and
  `chafa -f symbols --symbols vhalf -c full --size NxR --stretch`, both rebuilt into pixels (a cell is
  its upper and lower pixel).
Each is compared with the photo box-resized (Pillow's BOX: exact area averaging) to that size.
Writes OUTDIR/psnr.json: [{"columns", "kind", "width", "height", "segscope", "reference", "tool"}]
and the decoded pictures as PNGs.
"""
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
from PIL import Image


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def sixel_to_array(data, path):
    start = data.find(b"\x1bP")
    end = data.find(b"\x1b\\", start)
    assert start >= 0 and end > start, "no sixel in the output"
    with open(path + ".six", "wb") as f:
        f.write(data[start:end + 2])
    subprocess.run(["convert", "sixel:" + path + ".six", path + ".png"], check=True)
    return np.array(Image.open(path + ".png").convert("RGB"))


SGR = re.compile(r"\x1b\[([0-9;]*)m")


def halfblocks_to_array(text):
    """Cells of ▀ ▄ █ and space with 24-bit SGR colours, rebuilt into two pixels each."""
    rows = []
    for line in text.split("\n"):
        fg, bg, inverse = (0, 0, 0), (0, 0, 0), False
        px_top, px_bot = [], []
        pos = 0
        while pos < len(line):
            m = SGR.match(line, pos)
            if m:
                params = [int(p) if p else 0 for p in m.group(1).split(";")] if m.group(1) else [0]
                i = 0
                while i < len(params):
                    p = params[i]
                    if p == 0:
                        fg, bg, inverse = (0, 0, 0), (0, 0, 0), False
                    elif p == 7:
                        inverse = True
                    elif p == 27:
                        inverse = False
                    elif p in (38, 48) and i + 4 < len(params) + 0 and params[i + 1] == 2:
                        c = tuple(params[i + 2:i + 5])
                        if p == 38:
                            fg = c
                        else:
                            bg = c
                        i += 4
                    elif p == 39:
                        fg = (0, 0, 0)
                    elif p == 49:
                        bg = (0, 0, 0)
                    i += 1
                pos = m.end()
                continue
            ch = line[pos]
            pos += 1
            f, b = (bg, fg) if inverse else (fg, bg)
            if ch == "▀":
                px_top.append(f); px_bot.append(b)
            elif ch == "▄":
                px_top.append(b); px_bot.append(f)
            elif ch == "█":
                px_top.append(f); px_bot.append(f)
            elif ch == " ":
                px_top.append(b); px_bot.append(b)
            elif ch == "\x1b":
                # another escape (cursor, reset of attributes): skip to its final byte
                while pos < len(line) and not line[pos].isalpha():
                    pos += 1
                pos += 1
        if px_top and "48;2;" in line:
            rows.append(px_top)
            rows.append(px_bot)
    width = max(len(r) for r in rows)
    rows = [r + [(0, 0, 0)] * (width - len(r)) for r in rows]
    return np.array(rows, dtype=np.uint8)


def main():
    segscope, photo, out = sys.argv[1], sys.argv[2], sys.argv[3]
    columns = [int(c) for c in sys.argv[4:]] or [30, 80]
    os.makedirs(out, exist_ok=True)
    src = Image.open(photo).convert("RGB")
    sw, sh = src.size
    results = []
    for cols in columns:
        # sixel
        seg = subprocess.run([segscope, "render", photo, "--graphics", "sixel", "--cols", str(cols)], capture_output=True, check=True).stdout
        a = sixel_to_array(seg, os.path.join(out, f"segscope-sixel-{cols}"))
        w = a.shape[1]
        h = min(a.shape[0], int(round(sh * w / sw)))
        a = a[:h, :w]
        ref = np.array(src.resize((w, h), Image.Resampling.BOX))
        other = subprocess.run(["img2sixel", "-w", str(w), "-h", str(h), photo], capture_output=True, check=True).stdout
        b = sixel_to_array(other, os.path.join(out, f"img2sixel-{cols}"))[:h, :w]
        assert b.shape == a.shape, f"img2sixel made {b.shape}, segscope {a.shape}"
        results.append({"columns": cols, "kind": "sixel", "width": w, "height": h, "segscope": psnr(a, ref), "reference": psnr(b, ref), "tool": "img2sixel"})
        # half-blocks
        seg = subprocess.run([segscope, "render", photo, "--graphics", "halfblock", "--colors", "truecolor", "--cols", str(cols)],
                             capture_output=True, check=True).stdout.decode()
        a = halfblocks_to_array(seg)
        w = a.shape[1]
        h = min(a.shape[0], int(round(sh * w / sw)))  # an odd picture height repeats its last row
        a = a[:h]
        rows = (h + 1) // 2
        other = subprocess.run(["chafa", "-f", "symbols", "--symbols", "vhalf", "-c", "full", "--size", f"{w}x{rows}", "--stretch",
                                "--animate", "off", photo], capture_output=True, check=True).stdout.decode()
        b = halfblocks_to_array(other)
        assert b.shape[1] == w and b.shape[0] == 2 * rows, f"chafa made {b.shape}, segscope {a.shape}"
        ref = np.array(src.resize((w, h), Image.Resampling.BOX))
        # chafa fills whole cells: it is judged at its own height (2 x rows) against the photo at that size.
        ref_b = np.array(src.resize((w, 2 * rows), Image.Resampling.BOX))
        Image.fromarray(a).save(os.path.join(out, f"segscope-halfblock-{cols}.png"))
        Image.fromarray(b).save(os.path.join(out, f"chafa-{cols}.png"))
        results.append({"columns": cols, "kind": "halfblock", "width": w, "height": h, "segscope": psnr(a, ref), "reference": psnr(b, ref_b), "tool": "chafa"})
    with open(os.path.join(out, "psnr.json"), "w") as f:
        json.dump(results, f, indent=1)
    for r in results:
        print(f"{r['kind']:9} {r['columns']:3} cols {r['width']}x{r['height']}: segscope {r['segscope']:.2f} dB, {r['tool']} {r['reference']:.2f} dB")


if __name__ == "__main__":
    main()
