"""Run every benchmark and print its figures: `python -m benchmarks` (or `make bench`)."""

from benchmarks import feed_parse, parallel_readers, parse_pdfs

if __name__ == "__main__":
    print("== feed parsing")
    feed_parse.main()
    print("\n== PDF parsing")
    parse_pdfs.main([])
    print("\n== parallel readers (stub model)")
    parallel_readers.main([])
