"""The bibliography labelled as the text cites: "Bishop, 2006", "Dempster et al., 1977".

sphinxcontrib-bibtex cites author-year in the text (``bibtex_reference_style:
author_year``), but its list labels come from the pybtex formatting style, whose
default labels are alpha codes such as "Bis06".  This extension registers a pybtex
formatting style, ``author_year``, that labels each entry with the same author-year
text the citations show, sorts by author, year and title, and otherwise formats
entries as pybtex's ``unsrt`` (which prints DOIs and arXiv identifiers as links).
Select it with ``bibtex_default_style: author_year``.
"""

from __future__ import annotations

from collections import Counter
from string import ascii_lowercase

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person) -> str:
    # Rendered from LaTeX so that H{\"a}rdle becomes Härdle.
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def _authors(entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(person) for person in persons]
    if not names:
        return Text.from_latex(entry.fields.get("title", entry.key)).render_as("text")
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Author, year"; two works with the same label get a, b, … after the year."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [f"{_authors(entry)}, {entry.fields.get('year', 'n.d.')}" for entry in entries]
        counts = Counter(labels)
        seen = Counter()
        for label in labels:
            if counts[label] > 1:
                suffix = ascii_lowercase[seen[label]]
                seen[label] += 1
                yield label + suffix
            else:
                yield label


class AuthorYearStyle(UnsrtStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
