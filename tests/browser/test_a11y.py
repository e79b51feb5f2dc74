"""Accessibility of the book as a whole; the checks of each page are in ``layout.py``.

``test_pages.test_page`` loads every chapter once and runs on it both its own checks and
the layout and accessibility checks of ``layout.py`` (formulas that fit, a page no wider
than a phone, axe-core in light and dark mode, formulas that are not Tab stops), so that
each page is loaded and typeset once.

``test_no_orphan_pages`` checks, without a browser, that every HTML page of the book
is reachable from the table of contents (a page nobody links to, like a domain index,
is an orphan).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

#: Pages a book has besides its chapters and that need no link from the table of contents.
NOT_IN_TOC = {"index.html", "genindex.html", "search.html"}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = set()

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href and not re.match(r"^(https?:|mailto:|#)", href):
            self.hrefs.add(href.split("#")[0].split("?")[0])


def test_no_orphan_pages(book_html):
    """Every page of the book is linked from another page of the book (the table of
    contents in every page's sidebar), not only from the general index or the search."""
    pages = {
        p.relative_to(book_html).as_posix()
        for p in book_html.rglob("*.html")
        if not p.relative_to(book_html).parts[0].startswith(("_", "reports"))
    }
    linked = set()
    for page in pages - NOT_IN_TOC:  # the index pages link everything: they do not count
        parser = _Links()
        parser.feed((book_html / page).read_text(encoding="utf-8"))
        base = Path(page).parent
        for href in parser.hrefs:
            target = (book_html / base / href).resolve()
            if target.is_file() and target != (book_html / page).resolve():
                linked.add(target.relative_to(book_html.resolve()).as_posix())
    orphans = sorted(pages - linked - NOT_IN_TOC)
    print(f"{len(pages)} pages, {len(orphans)} linked from none: {orphans}")
    assert not orphans, f"pages no other page links to: {orphans}"
