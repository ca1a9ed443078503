"""Run every benchmark and print its figures."""

from benchmarks import feed_parse, parse_pdfs

if __name__ == "__main__":
    print("== feed parsing")
    feed_parse.main()
    print("\n== PDF parsing")
    parse_pdfs.main([])
