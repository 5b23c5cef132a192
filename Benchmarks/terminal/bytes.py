#!/usr/bin/env python3
"""Bytes segscope writes to the terminal per action, and the time to a complete frame on a slow link.

Runs `segscope open DEMO --graphics MODE` in a pseudo-terminal of COLSxROWS cells (10x20-pixel cells,
given through TIOCSWINSZ; the pty answers no probe), reads everything it writes, and per action counts
the bytes until the output has been quiet for --quiet seconds. Actions, on the sample view:
  first      the sample view opened from the list (Enter)
  next       n (next sample)
  inspector  one step of the pixel inspector (i, then one arrow key; the arrow is measured)
  back       p (back to a sample already shown)
  palette    ':' then Esc (open and close the command palette)
With --rate KBPS the reader drains the pty at that rate (a slow SSH link: segscope's writes block when
the pty's buffer is full), and the run ends with six quick presses of n: the bytes they cost and the
seconds from the last key to the last byte of the frame.

  python3 Benchmarks/terminal/bytes.py --bin .build/release/segscope --demo /tmp/demo [--mode sixel|kitty|halfblock] [--rate 256]
"""
import argparse, fcntl, json, os, pty, select, struct, subprocess, sys, termios, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--demo", required=True, help="a demo dataset folder (segscope demo --dir DIR --print)")
    ap.add_argument("--mode", default="sixel")
    ap.add_argument("--size", default="140x45")
    ap.add_argument("--rate", type=float, default=0, help="KB/s the reader drains (0: as fast as it can)")
    ap.add_argument("--quiet", type=float, default=0.6)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--dump", help="write everything segscope wrote to this file")
    ap.add_argument("--bandwidth", help="passed to segscope (auto or KB/s)")
    a = ap.parse_args()
    cols, rows = map(int, a.size.split("x"))
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ.pop("TMUX", None)
        os.execv(a.bin, [a.bin, "open", a.demo, "--graphics", a.mode, "--colors", "truecolor"] + (["--bandwidth", a.bandwidth] if a.bandwidth else []))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, cols * 10, rows * 20))
    state = {"bytes": 0, "last": time.monotonic(), "log": bytearray()}

    def pump(seconds, quiet=None):
        """Reads (at --rate) for up to `seconds`; returns when the output was quiet for --quiet s."""
        quiet = a.quiet if quiet is None else quiet
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.02)
            if r:
                try:
                    chunk = os.read(fd, 4096 if a.rate else 1 << 16)
                except OSError:
                    return
                if not chunk:
                    return
                state["bytes"] += len(chunk)
                if a.dump:
                    state["log"] += chunk
                state["last"] = time.monotonic()
                if a.rate:
                    time.sleep(len(chunk) / (a.rate * 1024))
            elif time.monotonic() - state["last"] > quiet:
                return

    def action(keys, pause=0.0):
        pump(0.05)
        before = state["bytes"]
        for k in keys:
            os.write(fd, k)
            if pause:
                time.sleep(pause)
        sent = time.monotonic()
        state["last"] = sent  # quiet is counted from the key, then from each write
        pump(120)
        return state["bytes"] - before, max(0.0, state["last"] - sent)

    pump(60, quiet=4)  # the probe's silence, the list, the indexing job
    results = {}
    results["first"] = action([b"\r"])
    results["next"] = action([b"n"])
    action([b"i"])
    results["inspector"] = action([b"\x1bOC"])  # right arrow, as an xterm in keypad mode sends it
    action([b"i"])
    results["back"] = action([b"p"])
    results["palette"] = action([b":"])[0] + action([b"\x1b"])[0], 0.0
    if a.rate:
        results["six n"] = action([b"n"] * 6, pause=0.08)
    os.write(fd, b"q")
    pump(3)
    os.close(fd)
    os.waitpid(pid, 0)
    if a.dump:
        with open(a.dump, "wb") as f:
            f.write(state["log"])
    if a.json:
        print(json.dumps({k: {"bytes": v[0], "seconds": round(v[1], 2)} for k, v in results.items()}))
        return
    print(f"{a.mode} at {a.size}" + (f", link {a.rate:g} KB/s" if a.rate else ""))
    for k, (n, s) in results.items():
        print(f"  {k:10s} {n / 1024:9.1f} KB" + (f"   {s:5.2f} s to the last byte" if a.rate and k == "six n" else ""))


if __name__ == "__main__":
    main()
