"""Wall time of commands that should answer at once: `--help`, a subcommand's help, a typo, `doctor`.

    python -m benchmarks.startup
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = [["--help"], ["run", "--help"], ["investigate", "--help"], ["rnu"], ["doctor", "-p", "profiles/sample.toml"]]


def main(runs: int = 5) -> None:
    for args in COMMANDS:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "agent", *args], cwd=REPO, capture_output=True)
            times.append(time.perf_counter() - t)
        print(f"arxiv-monitor {' '.join(args):<32} median {statistics.median(times):.2f} s (goal 0.5 s)")


if __name__ == "__main__":
    main()
