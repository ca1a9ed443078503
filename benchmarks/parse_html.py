"""HTML parse time per paper, against the PDF path on the same machine at the same time.

    python -m benchmarks.parse_html

Pages: the bundled test pages (tests/fixtures/html) and, when present, the LaTeXML
outputs in ../shared/corpus/html. PDFs: the sample day (samples/offline). The goal is
a median under 0.15 s per page and under a tenth of the PDF path's median. When
selectolax is installed, the raw tree-building time of lxml and selectolax is printed
too (selectolax is not a dependency: it was measured, see README).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from lxml import etree

from tools.html_parse import parse_html
from tools.pdf_parse import parse_pdf

REPO = Path(__file__).resolve().parents[1]


def pages() -> list[Path]:
    found = sorted((REPO / "tests" / "fixtures" / "html").glob("*.html"))
    corpus = next((d / "shared" / "corpus" / "html" for d in REPO.parents if (d / "shared" / "corpus" / "html").is_dir()), REPO / "missing")
    found += sorted(corpus.glob("*.html")) + sorted(corpus.glob("latexml-*/*/index.html"))
    seen, unique = set(), []
    for p in found:  # the fixtures are copies of corpus pages
        key = p.stat().st_size
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _best_of(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _tree_builders(data: bytes) -> dict[str, float]:
    out = {"lxml": _best_of(lambda: etree.fromstring(data, etree.HTMLParser(encoding="utf-8")))}
    try:
        from selectolax.lexbor import LexborHTMLParser
    except ImportError:
        return out
    out["selectolax (lexbor)"] = _best_of(lambda: LexborHTMLParser(data))
    return out


def main() -> dict[str, float]:
    html_times = []
    print(f"{'page':48} {'KiB':>6} {'parse s':>8} {'sections':>8} {'sentences':>9}")
    for page in pages():
        doc = parse_html(page)
        t = _best_of(lambda p=page: parse_html(p))
        html_times.append(t)
        name = page.parent.name + "/" + page.name if page.name == "index.html" else page.name
        print(f"{name:48} {page.stat().st_size // 1024:>6} {t:>8.3f} {len(doc.headings()):>8} {sum(1 for _ in doc.sentences()):>9}")
    pdfs = sorted((REPO / "samples" / "offline").glob("*.pdf"))
    pdf_times = [_best_of(lambda p=p: parse_pdf(p), runs=2) for p in pdfs]
    html_median, pdf_median = statistics.median(html_times), statistics.median(pdf_times)
    print(f"HTML median {html_median:.3f} s over {len(html_times)} pages (goal < 0.15 s); "
          f"PDF median {pdf_median:.3f} s over {len(pdf_times)} sample PDFs; ratio {html_median / pdf_median:.2f} (goal < 0.10)")
    biggest = max(pages(), key=lambda p: p.stat().st_size)
    builders = _tree_builders(biggest.read_bytes())
    print("tree building only, " + biggest.name + ": " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in builders.items()))
    return {"html_median": html_median, "pdf_median": pdf_median}


if __name__ == "__main__":
    main()
