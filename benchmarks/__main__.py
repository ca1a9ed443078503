"""Run every benchmark and print its figures: `python -m benchmarks` (or `make bench`)."""

from benchmarks import (
    feed_parse,
    kind_classifier,
    lab_profiles,
    parallel_readers,
    parse_html,
    parse_pdfs,
    parse_quality,
    relevance,
    startup,
)

if __name__ == "__main__":
    print("== command-line start-up")
    startup.main()
    print("\n== feed parsing")
    feed_parse.main()
    print("\n== PDF parsing speed")
    parse_pdfs.main([])
    print("\n== HTML (LaTeXML) parsing speed, against the PDF path")
    parse_html.main()
    print("\n== heading quality against PDF outlines")
    parse_quality.main()
    print("\n== relevance on whole days, judging and training speed")
    relevance.main()
    print("\n== paper-kind classifier")
    kind_classifier.main()
    print("\n== parallel readers (stub model)")
    parallel_readers.main([])
    print("\n== many profiles: one shared run against separate runs (scripted models)")
    lab_profiles.main([])
