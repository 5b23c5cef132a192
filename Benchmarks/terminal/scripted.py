#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal inside the current terminal and types scripted keys into it.

For screenshots in terminals that take no synthetic key events (kitty under Xvfb without a window
manager): everything the command writes goes to this terminal, this terminal's replies (probes) and
keys go to the command, and the scripted keys are typed after their delays. The pty gets this
terminal's size in cells and pixels.

  scripted.py [--key SECONDS:KEYS ...] -- CMD ARGS...
KEYS take Python escapes: --key '3:\\r' --key '2:n' waits 3 s, types Enter, waits 2 s, types n.
With --log FILE, what the command wrote goes to FILE too, and the terminal's replies to FILE.in.
"""
import fcntl, os, pty, select, struct, sys, termios, time, tty


def main():
    args = sys.argv[1:]
    keys = []
    log = None
    while args and args[0] in ("--key", "--log"):
        if args[0] == "--log":
            log = (open(args[1], "wb", buffering=0), open(args[1] + ".in", "wb", buffering=0))
            args = args[2:]
            continue
        delay, _, text = args[1].partition(":")
        keys.append((float(delay), text.encode().decode("unicode_escape").encode("latin-1")))
        args = args[2:]
    if args and args[0] == "--":
        args = args[1:]
    size = fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(args[0], args)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, size)
    saved = termios.tcgetattr(0)
    tty.setraw(0)
    try:
        due = time.monotonic() + (keys[0][0] if keys else 0)
        while True:
            timeout = max(0.0, due - time.monotonic()) if keys else None
            r, _, _ = select.select([0, fd], [], [], timeout)
            if fd in r:
                try:
                    data = os.read(fd, 1 << 16)
                except OSError:
                    break
                if not data:
                    break
                os.write(1, data)
                if log:
                    log[0].write(data)
            if 0 in r:
                data = os.read(0, 4096)
                os.write(fd, data)
                if log:
                    log[1].write(data)
            if keys and time.monotonic() >= due:
                os.write(fd, keys.pop(0)[1])
                if keys:
                    due = time.monotonic() + keys[0][0]
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)
        if log:
            log[0].close()
            log[1].close()
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
