"""arXiv identifiers: parse every form users and feeds write, normalise to (id, version)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.errors import ConfigError

_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
_ID = re.compile(
    rf"^(?:https?://(?:(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/|(?:ar5iv\.labs\.arxiv\.org|ar5iv\.org)/(?:html|abs)/)|arxiv:|oai:arxiv\.org:)?"
    rf"(?:{_NEW}|{_OLD})(?:v(?P<version>\d+))?(?:\.pdf)?/?(?:#[\w.\-]*)?$",
    re.I,
)


@dataclass(frozen=True, order=True)
class ArxivId:
    base: str  # "2002.08909" or "hep-th/9901001"
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.base}v{self.version}" if self.version else self.base

    @property
    def versioned(self) -> bool:
        return self.version is not None

    def with_version(self, version: int) -> "ArxivId":
        return ArxivId(self.base, version)

    @property
    def filename_stem(self) -> str:
        """Safe as a file name: old-style ids contain a slash."""
        return str(self).replace("/", "_")

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self}"


def parse_arxiv_id(text: str) -> ArxivId:
    """Accepts "2002.08909", "2002.08909v1", "arXiv:2002.08909", abs/pdf/html and ar5iv URLs, "oai:arXiv.org:..." and old ids."""
    m = _ID.match(text.strip())
    if not m:
        raise ConfigError(f"not an arXiv id: {text!r} (expected e.g. 2501.01234 or 2501.01234v2)")
    base = m["new"] or m["old"]
    if m["old"]:
        archive, number = base.split("/")
        base = f"{archive.lower()}/{number}"
    version = int(m["version"]) if m["version"] else None
    if version == 0:
        raise ConfigError(f"not an arXiv id: {text!r} (versions start at v1)")
    return ArxivId(base, version)



# Archives of old-style ids (before April 2007). arXiv names their PDFs without the slash ("math0405482v2.pdf"),
# and `ArxivId.filename_stem` writes an underscore ("math_0405482v2"); both are read back as "math/0405482v2".
OLD_ARCHIVES = frozenset(
    """acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg comp-gas cond-mat cs dg-ga
    funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph
    q-alg q-bio quant-ph solv-int supr-con""".split()
)
_OLD_FILE_STEM = re.compile(r"^(?P<archive>[a-z][a-z\-]*)(?P<sub>\.[A-Z]{2})?[_/]?(?P<number>\d{7})(?:v(?P<version>\d+))?$")


def arxiv_id_from_filename(name: str) -> ArxivId | None:
    """The arXiv id a paper file is named after ("2002.08909v1.pdf", "math0405482v2.pdf", "1707.08043v2.ar5iv.html"), or None."""
    stem = name.rsplit("/", 1)[-1].split(".ar5iv")[0]
    stem = re.sub(r"\.(pdf|html?)$", "", stem, flags=re.I)
    m = _OLD_FILE_STEM.match(stem)
    if m and m["archive"] in OLD_ARCHIVES:
        version = int(m["version"]) if m["version"] else None
        return ArxivId(f"{m['archive']}{m['sub'] or ''}/{m['number']}", version or None)
    try:
        return parse_arxiv_id(stem)
    except ConfigError:
        return None
