"""The section-aware reader: the paper's kind and its parts (paper_kinds.toml), the reader node and its
offline evidence selection, and the routing of investigate questions to the sections that answer them."""
