"""How long parsing a 2,000-item announcement feed takes.

    python -m benchmarks.feed_parse

The feed is built from the real RSS fixture's first item, repeated with new ids.
"""

from __future__ import annotations

import time
from pathlib import Path

from tools.feeds import merge_entries, parse_feed

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "feeds" / "rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24.xml"


def big_feed(n: int = 2000) -> str:
    text = FIXTURE.read_text(encoding="utf-8")
    start, end = text.index("<item>"), text.index("</item>") + len("</item>")
    item = text[start:end]
    items = "\n".join(item.replace("2609.26811", f"2609.{30000 + i:05d}") for i in range(n))
    return text[:start] + items + text[text.rindex("</item>") + len("</item>"):]


def main() -> None:
    data = big_feed().encode()
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        feed = parse_feed(data)
        merge_entries([feed])
        runs.append(time.perf_counter() - t)
    print(f"feed of {len(feed.entries)} items ({len(data) / 1e6:.1f} MB): parse + dedupe best {min(runs) * 1000:.0f} ms, "
          f"median {sorted(runs)[2] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
