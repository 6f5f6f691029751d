"""Runs pii-audit under /usr/bin/time for its peak memory.

The child's own ru_maxrss (os.wait4) is not its peak: Linux folds the address space a
child had before exec into it, and a child forked (or vforked) from this Python process,
which holds DuckDB's buffers, starts with this process's size. /usr/bin/time is small, so
the figure it reports for its own child is pii-audit's alone.
"""
import os, subprocess, sys, time

MARK = "pii-audit-peak-kib "


def run(cmd, env=None):
    """(seconds, peak MiB, standard error without /usr/bin/time's line); exits on failure."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", MARK + "%M", *cmd], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env or os.environ)
    elapsed = time.perf_counter() - start
    err = proc.stderr.decode()
    if proc.returncode != 0:
        sys.exit(f"pii-audit failed: {err}")
    peak = next((int(l[len(MARK):]) for l in err.splitlines() if l.startswith(MARK)), 0)
    rest = "\n".join(l for l in err.splitlines() if not l.startswith(MARK))
    return elapsed, peak / 1024, rest
