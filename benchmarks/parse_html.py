"""HTML parse time per paper, against the PDF path on the same machine in the same run.

    python -m benchmarks.parse_html

Pages: the bundled test pages (tests/fixtures/html) and, when present, the LaTeXML
outputs in ../shared/corpus/html. PDFs: the sample day (samples/offline). The goal is
a median under 0.15 s per page and under a tenth of the PDF path's median.

Times are CPU seconds of this process (best of several runs), so other work on a
shared machine inflates them less than wall-clock time would; both parsers are
single-threaded, so for them CPU time is the time a user waits.

Besides time per paper the figures are normalised three ways: per KiB of HTML, per
1000 words of body text the parse yields (the same unit for HTML and PDF: papers
differ in length), and against a floor, the time lxml takes only to build the page's
tree, which any lxml-based parse pays. When a paper is there both as HTML and as a
PDF it is compared directly. When selectolax is installed its tree building time is
printed too (it is not a dependency: measured, see README).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from lxml import etree

from tools.html_parse import arxiv_id_in_page, parse_html
from tools.paper_model import PaperDocument
from tools.pdf_parse import annotate_sentences, parse_pdf

REPO = Path(__file__).resolve().parents[1]
GOAL_SECONDS, GOAL_RATIO = 0.15, 0.10


def _corpus() -> Path | None:
    return next((d / "shared" / "corpus" for d in REPO.parents if (d / "shared" / "corpus" / "html").is_dir()), None)


def pages() -> list[Path]:
    found = sorted((REPO / "tests" / "fixtures" / "html").glob("*.html"))
    corpus = _corpus()
    if corpus is not None:
        found += sorted((corpus / "html").glob("*.html")) + sorted((corpus / "html").glob("latexml-*/*/index.html"))
    seen, unique = set(), []
    for p in found:  # the fixtures are copies of corpus pages
        key = p.stat().st_size
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def pdfs() -> list[Path]:
    return sorted((REPO / "samples" / "offline").glob("*.pdf"))


def same_paper_pdf(paper: str) -> Path | None:
    """The PDF of the same paper, from the sample day or the shared corpus, when there is one."""
    corpus = _corpus()
    dirs = [REPO / "samples" / "offline"] + ([corpus / "pdf", corpus / "pdf-more"] if corpus is not None else [])
    return next((p for d in dirs for p in sorted(d.glob(f"{paper}*.pdf")) if p.stem.split("v")[0] == paper), None)


def _page_name(page: Path) -> str:
    return page.parent.name + "/" + page.name if page.name == "index.html" else page.name


def _paper_id(page: Path) -> str:
    """The arXiv id without version: from the page itself, else from its file or folder name."""
    found = arxiv_id_in_page(page.read_bytes()[:8000])
    name = found or (page.parent.name if page.name == "index.html" else page.name.split(".latexml")[0].removesuffix(".html"))
    return name.split("v")[0] if name[:1].isdigit() else name


def _best_of(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times)


def _tree_lxml(data: bytes) -> float:
    return _best_of(lambda: etree.fromstring(data, etree.HTMLParser(encoding="utf-8")))


def _tree_lexbor(data: bytes) -> float | None:
    try:
        from selectolax.lexbor import LexborHTMLParser
    except ImportError:
        return None
    return _best_of(lambda: LexborHTMLParser(data))


def body_words(doc: PaperDocument) -> int:
    """Words of body text (captions included; references and footnotes not): the same measure for both paths."""
    return sum(len(p.text.split()) for _, p in doc.paragraphs())


def _per_kwords(seconds: float, words: int) -> float:
    return seconds * 1000 / max(words, 1) * 1000


def main() -> dict[str, float]:
    lexbor_there = _tree_lexbor(b"<p>x</p>") is not None
    lexbor_head = f"{'lexbor':>7}" if lexbor_there else ""
    print(f"{'page':32} {'KiB':>5} {'CPU s':>6} {'ms/KiB':>6} {'tree ms':>7}{lexbor_head} {'sent. ms':>8} "
          f"{'words':>6} {'ms/1k words':>11} {'sections':>8} {'sentences':>9}")
    html_times, tree_times, sentence_times, html_rates = [], [], [], []
    html_by_id: dict[str, float] = {}
    for page in pages():
        data = page.read_bytes()
        doc = parse_html(page)
        t = _best_of(lambda p=page: parse_html(p))
        tree = _tree_lxml(data)
        # Splitting and judging sentences again gives the same sentences: the part of the parse shared with the PDF path.
        sentences = _best_of(lambda d=doc: annotate_sentences(d.sections))
        sentence_times.append(sentences)
        words = body_words(doc)
        html_times.append(t)
        tree_times.append(tree)
        html_rates.append(_per_kwords(t, words))
        html_by_id[_paper_id(page)] = t
        kib = len(data) / 1024
        lexbor = f"{_tree_lexbor(data) * 1000:>7.1f}" if lexbor_there else ""
        print(f"{_page_name(page):32} {kib:>5.0f} {t:>6.3f} {t * 1000 / kib:>6.3f} {tree * 1000:>7.1f}{lexbor} {sentences * 1000:>8.1f} "
              f"{words:>6} {html_rates[-1]:>11.2f} {len(doc.headings()):>8} {sum(1 for _ in doc.sentences()):>9}")

    pdf_times, pdf_rates, pdf_pages = [], [], []
    for pdf in pdfs():
        doc = parse_pdf(pdf)
        t = _best_of(lambda p=pdf: parse_pdf(p), runs=2)
        pdf_times.append(t)
        pdf_rates.append(_per_kwords(t, body_words(doc)))
        pdf_pages.append(doc.page_count)

    html_median, pdf_median = statistics.median(html_times), statistics.median(pdf_times)
    tree_median = statistics.median(tree_times)
    ratio, floor_ratio = html_median / pdf_median, tree_median / pdf_median
    html_rate, pdf_rate = statistics.median(html_rates), statistics.median(pdf_rates)
    met = {True: "met", False: "missed"}
    print(f"HTML median {html_median:.3f} s over {len(html_times)} pages (goal < {GOAL_SECONDS} s: {met[html_median < GOAL_SECONDS]}); "
          f"PDF median {pdf_median:.3f} s over {len(pdf_times)} sample PDFs ({statistics.median(pdf_pages):.0f} pages median, "
          f"{statistics.median(t / n for t, n in zip(pdf_times, pdf_pages, strict=True)) * 1000:.1f} ms per PDF page)")
    print(f"ratio HTML/PDF {ratio:.3f} (goal < {GOAL_RATIO:.2f}: {met[ratio < GOAL_RATIO]})")
    print(f"floor: lxml's tree building alone, median {tree_median * 1000:.1f} ms, is {floor_ratio:.3f} of the PDF median"
          + (f"; below {GOAL_RATIO:.2f} is out of reach for any lxml-based parse of these pages" if floor_ratio >= GOAL_RATIO
             else f"; the rest of the HTML parse is {(html_median - tree_median) * 1000:.1f} ms"))
    shared = statistics.median(sentence_times)
    with_tree = statistics.median(t + s for t, s in zip(tree_times, sentence_times, strict=True))
    print(f"sentence splitting and judging (shared with the PDF path; 'sent. ms'), median {shared * 1000:.1f} ms; "
          f"tree plus sentences, median {with_tree * 1000:.1f} ms, is {with_tree / pdf_median:.3f} of the PDF median")
    print(f"per 1000 words of body text (median): HTML {html_rate:.2f} ms, PDF {pdf_rate:.2f} ms, ratio {html_rate / pdf_rate:.2f}")
    pairs = [(paper, pdf) for paper in sorted(html_by_id) if (pdf := same_paper_pdf(paper)) is not None]
    for paper, pdf in pairs:
        t = _best_of(lambda p=pdf: parse_pdf(p), runs=2)
        print(f"same paper {paper}: HTML {html_by_id[paper]:.3f} s, PDF {t:.3f} s, ratio {html_by_id[paper] / t:.2f}")
    if not pairs:
        print(f"same paper: no PDF of {', '.join(sorted(html_by_id))} in the sample day or the corpus, "
              "so the per-1000-words line is the like-for-like figure")
    return {"html_median": html_median, "pdf_median": pdf_median, "tree_median": tree_median}


if __name__ == "__main__":
    main()
