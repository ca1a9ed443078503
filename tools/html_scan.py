"""Whole-page walks for the HTML parser (tools/html_parse.py) that replace XPath queries over the page.

libxml2 evaluates `.//*[contains(@class, ...)]` by visiting every element and building strings for each,
even for `(...)[1]`; on a LaTeXML page (7,000 to 18,000 elements) each such query cost more than building
the tree. A Python walk that stops at the first hit, or one walk that gathers everything at once, is
several times cheaper and finds the same elements in the same order.
"""

from __future__ import annotations

import re

from lxml import etree


def first_with_class(root, test):
    """The first element below `root`, in document order, whose class attribute passes `test`."""
    for el in root.iterdescendants(etree.Element):
        cls = el.get("class")
        if cls and test(cls):
            return el
    return None


_XML_SPACE = re.compile(r"[ \t\r\n]+")  # what XPath's normalize-space() splits on


def has_class_token(cls: str, token: str) -> bool:
    """XPath's `contains(concat(' ', normalize-space(@class), ' '), ' token ')`, without XPath."""
    return token in cls and token in _XML_SPACE.split(cls)


def scan(root) -> tuple[int, set]:
    """One pass over the page: (number of ltx_ERROR elements, the elements that hold a paragraph, caption or table).

    The parser's section walk descends only into those holders, so it skips the thousands of elements of
    typeset formulas (MathJax pages) and figure drawings, which hold nothing it reads.
    """
    errors = 0
    wanted = []
    for el in root.iterdescendants(etree.Element):
        cls = el.get("class")
        if cls:
            if "ltx_ERROR" in cls:
                errors += 1
            if "ltx_para" in cls or "ltx_caption" in cls or "ltx_tabular" in cls:
                wanted.append(el)
                continue
        if el.tag == "figcaption":
            wanted.append(el)
    holders: set = set()
    for el in wanted:
        for up in el.iterancestors():
            if up in holders or up is root:
                break
            holders.add(up)
    return errors, holders
