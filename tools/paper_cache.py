"""Parsed papers cached on disk, keyed by arXiv id with version (or by file hash), used while the parsed bytes are the same."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from pydantic import ValidationError

from tools.html_parse import content_key, html_kind, parse_html
from tools.paper_model import PaperDocument
from tools.pdf_parse import PARSER_VERSION, parse_pdf
from tools.resource_errors import os_error_with_path

HTML_SUFFIXES = {".html", ".htm"}

_CURRENT = f".parser{PARSER_VERSION}.json"


def _version(path: Path) -> int:
    """The arXiv version in a cache file's key ("2002.08909v2" -> 2; 0 for a file hash)."""
    found = re.search(r"v(\d+)$", _key_of(path))
    return int(found.group(1)) if found else 0


def _key_of(path: Path) -> str:
    """The key a cache file belongs to: "2002.08909v1" for "2002.08909v1.parser7.json"."""
    return path.name.rsplit(".parser", 1)[0]


def file_key(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return f"sha256-{digest.hexdigest()[:20]}"


def user_cache_dir() -> Path:
    """Where caches that belong to no profile live ($XDG_CACHE_HOME/arxiv-monitor, else ~/.cache/arxiv-monitor)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "arxiv-monitor"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file; permissions follow the umask."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise os_error_with_path(exc, path) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        named = os_error_with_path(exc, path)  # a failed write() names no file
        if named is exc:
            raise
        raise named from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PaperCache:
    @staticmethod
    def _content_key(path: Path) -> str | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None  # the parser says what is wrong with the file
        if path.suffix.lower() in HTML_SUFFIXES:
            return content_key(data, html_kind(path.name, data))
        return content_key(data, "pdf")

    def __init__(self, directory: Path | None):
        self.directory = directory

    def _path(self, key: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{key.replace('/', '_')}{_CURRENT}"

    def _files(self, key: str) -> list[Path]:
        """Cache files of this key written by any parser version (for an id without version: of every version), highest version first."""
        if self.directory is None or not self.directory.exists():
            return []
        stem = key.replace("/", "_")
        same = re.compile(re.escape(stem) + (r"(v\d+)?" if "v" not in stem.rsplit(".", 1)[-1] else ""))
        return sorted((p for p in self.directory.glob(f"{stem}*.parser*.json") if same.fullmatch(_key_of(p))), key=_version, reverse=True)

    def cached(self, arxiv_id: str) -> PaperDocument | None:
        """The parsed paper for this versioned id, or for an id without version its newest cached version; no PDF needed."""
        files = self._files(arxiv_id)
        current = [p for p in files if p.name.endswith(_CURRENT)]
        if current:
            try:
                return PaperDocument.model_validate_json(current[0].read_text(encoding="utf-8"))
            except (ValidationError, ValueError):
                return None
        return self._from_older_parser(files)

    def _from_older_parser(self, paths: list[Path]) -> PaperDocument | None:
        """After an upgrade, a paper parsed before is parsed again from its PDF, or, with the PDF gone, served as it was."""
        for path in paths:
            try:
                old = PaperDocument.model_validate_json(path.read_text(encoding="utf-8"))
            except (ValidationError, ValueError):
                continue
            pdf = Path(old.source) if old.source else None
            if pdf is not None and pdf.exists():
                try:
                    return self.load(pdf, _key_of(path))
                except Exception:  # noqa: BLE001 - the old parse still answers
                    return old
            return old
        return None

    def load(self, pdf: Path, arxiv_id: str | None = None) -> PaperDocument:
        """The parsed paper (from a PDF or an arXiv HTML page), from cache when these very bytes were parsed before.

        The cache is keyed by (id, version), and an entry is used only while its content
        key (a hash of the file read, and the parser) matches: a paper first read from
        its PDF and now from its HTML, or a file replaced in place, is parsed again.
        """
        pdf = Path(pdf)
        key = arxiv_id or file_key(pdf)
        path = self._path(key)
        wanted = self._content_key(pdf)
        if path is not None and path.exists():
            try:
                cached = PaperDocument.model_validate_json(path.read_text(encoding="utf-8"))
                if wanted is None or cached.content_key == wanted:
                    return cached
            except (ValidationError, ValueError):
                path.unlink(missing_ok=True)  # stale or damaged entry: parse again
        if pdf.suffix.lower() in HTML_SUFFIXES:
            doc = parse_html(pdf, arxiv_id=arxiv_id)
        else:
            doc = parse_pdf(pdf, arxiv_id=arxiv_id)
            doc.content_key = wanted
        if path is not None:
            atomic_write_text(path, doc.model_dump_json())
            for stale in self._files(key):
                if stale != path and _key_of(stale) == _key_of(path):
                    stale.unlink(missing_ok=True)  # an earlier parser's output of the same paper: never read again
        return doc
