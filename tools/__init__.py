"""Tools layer: arXiv sources, PDF parsing, section and search tools.

Nothing here imports `agent` or `graphs`; the agents build on these pieces.
"""
