"""Printing: the print style sheet, and the student's and the instructor's PDF of the book.

- ``test_print_style``: a chapter with solutions, in print media, hides every solution
  (the sphinx-exercise ``solution`` boxes and the code cells tagged ``solution``), the
  launch buttons and the explorers' controls, and wraps long code lines; opened with
  ``?solutions`` (what an instructor prints) it shows the solutions, unfolded. On screen
  at 390 px, checker feedback (a cell's printed output) wraps instead of running off.
- ``test_pdfs``: ``tools/pdf.py`` prints the whole built book twice (``make pdf``);
  the text of every solution (taken from the built HTML, prose only) is absent from
  ``book-student.pdf`` and present in ``book-instructor.pdf``, and the chapters' titles
  are in both. The PDFs are those next to the tested HTML (``_build/pdf``) when they
  are newer than it, else the test prints them there. Page counts are printed. A phrase counts as shown when
  pdftotext gives it verbatim; formulas' glyphs can land inside a neighbouring phrase, so
  nine in ten must be found in the instructor's copy, and none in the student's.

Text is read from the PDFs with ``pdftotext`` (Debian's poppler-utils, which the
Makefile's browser setup installs).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_pages import TIMEOUT_MS

ROOT = Path(__file__).resolve().parents[2]
#: A phrase needs this many words to be a solution's own (not a phrase the text also uses).
MIN_WORDS = 7

JS_PRINT_STATE = """() => {
  const shown = (e) => { const r = e.getBoundingClientRect(); return getComputedStyle(e).display !== 'none'
                          && r.width > 0 && r.height > 0; };
  const all = (sel) => [...document.querySelectorAll(sel)];
  const longPre = all('div.highlight pre').filter(p => p.textContent.split('\\n').some(l => l.length > 80));
  return {
    solutions: all('div.solution').length,
    solutions_shown: all('div.solution').filter(shown).length,
    solution_text_shown: all('div.solution section, div.solution > p:not(.admonition-title)').filter(shown).length,
    solution_cells: all('div.cell.tag_solution').length,
    solution_cells_shown: all('div.cell.tag_solution').filter(shown).length,
    controls_shown: all('.bd-header-article, .dropdown-launch-buttons, .mixlib-player-controls, .bd-sidebar-primary')
        .filter(shown).length,
    long_pre: longPre.length,
    long_pre_not_wrapped: longPre.filter(p => getComputedStyle(p).whiteSpace !== 'pre-wrap').length,
  };
}"""

# Checker feedback starts with a tick or a cross; tables (pages-columns) may scroll.
JS_OUTPUT_WRAP = """() => {
  const pres = [...document.querySelectorAll('div.cell_output pre')];
  const feedback = pres.filter(p => /^\\s*[\u2714\u2718\u2717]/.test(p.textContent));
  return {n: pres.length, feedback: feedback.length,
          tables: pres.filter(p => p.classList.contains('pages-columns')).length,
          overflowing: feedback.filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.textContent.slice(0, 60))};
}"""


def _solution_chapter(book_html):
    for page in sorted((book_html / "chapters").glob("*.html")):
        if 'class="solution' in page.read_text(encoding="utf-8"):
            return page.relative_to(book_html).as_posix()
    pytest.skip("no chapter has a solution")


def test_print_style(book_html, server_url, browser, cdn):
    path = _solution_chapter(book_html)
    problems = []
    for flag, instructor in (("", False), ("?solutions", True)):
        context = browser.new_context(
            viewport={"width": 1000, "height": 1400}, color_scheme="light", service_workers="block"
        )
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.route("**/*", cdn.handle)
            page.goto(f"{server_url}/{path}{flag}", wait_until="load")
            page.emulate_media(media="print")
            state = page.evaluate(JS_PRINT_STATE)
        finally:
            context.close()
        who = "instructor (?solutions)" if instructor else "student"
        print(f"{path} printed for the {who}: {state}")
        if not state["solutions"]:
            problems.append(f"{path}: no div.solution found")
        if instructor:
            if state["solutions_shown"] != state["solutions"] or not state["solution_text_shown"]:
                problems.append(
                    f"{who}: {state['solutions_shown']} of {state['solutions']} solutions shown, "
                    f"{state['solution_text_shown']} of their bodies"
                )
            if state["solution_cells_shown"] != state["solution_cells"]:
                problems.append(
                    f"{who}: {state['solution_cells_shown']} of {state['solution_cells']} solution cells shown"
                )
        else:
            if state["solutions_shown"] or state["solution_cells_shown"]:
                problems.append(
                    f"{who}: {state['solutions_shown']} solutions and {state['solution_cells_shown']} "
                    f"solution cells are printed"
                )
        if state["controls_shown"]:
            problems.append(f"{who}: {state['controls_shown']} buttons, launch menus or sidebars are printed")
        if state["long_pre_not_wrapped"]:
            problems.append(
                f"{who}: {state['long_pre_not_wrapped']} of {state['long_pre']} code blocks with "
                f"long lines are cut instead of wrapped"
            )

    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    try:
        page = context.new_page()
        page.route("**/*", cdn.handle)
        page.goto(f"{server_url}/{path}", wait_until="load")
        wrap = page.evaluate(JS_OUTPUT_WRAP)
    finally:
        context.close()
    print(
        f"{path} at 390 px: {wrap['n']} printed outputs, {wrap['feedback']} of them checker feedback "
        f"({len(wrap['overflowing'])} run off), {wrap['tables']} tables kept in columns"
    )
    if not wrap["feedback"]:
        problems.append(f"{path}: no checker feedback (an output starting with a tick or a cross) found")
    if wrap["overflowing"]:
        problems.append(f"at 390 px, checker feedback runs off the page: {wrap['overflowing'][:3]}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# ---------------------------------------------------------------------------
# The PDFs


class _Texts(HTMLParser):
    """Prose runs of the article: inside a solution box, and everywhere else.

    A run ends at any inline element that is not plain text (math, code, a link), so
    that a run is text the PDF prints as it stands."""

    SKIP = {"script", "style", "code", "pre", "kbd", "math", "svg"}
    BREAK = {
        "span",
        "code",
        "a",
        "em",
        "strong",
        "sup",
        "sub",
        "p",
        "li",
        "div",
        "section",
        "br",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "dt",
        "dd",
        "figcaption",
        "img",
        "button",
        "label",
        "summary",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, is_solution, is_skip)
        self.solution, self.other = [], []
        self._run = []
        self._in_article = 0

    def _flush(self):
        text = " ".join("".join(self._run).split())
        if text:
            (self.solution if self._solution() else self.other).append(text)
        self._run = []

    def _solution(self):
        return any(sol for _, sol, _ in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            self._flush()
            return
        self._flush() if tag in self.BREAK else None
        classes = (dict(attrs).get("class") or "").split()
        skip = tag in self.SKIP or "math" in classes or "admonition-title" in classes or "headerlink" in classes
        self.stack.append((tag, tag == "div" and "solution" in classes, skip))

    def handle_endtag(self, tag):
        if tag in self.BREAK:
            self._flush()
        while self.stack:
            top = self.stack.pop()
            if top[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and not any(skip for _, _, skip in self.stack):
            self._run.append(data)


def _normal(text):
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"-\n(?=[a-z])", "", text)  # a word hyphenated at a line end
    return " ".join(text.split())


def _pdf_text(path):
    """The PDF's text without the footers (a footer would split a phrase across sheets)."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    sheets = []
    for sheet in text.split("\f"):
        lines = sheet.rstrip().splitlines()
        sheets.append("\n".join(lines[:-1] if lines and " · " in lines[-1] else lines))
    return _normal("\n".join(sheets))


def _pdf_pages(path):
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.fixture(scope="session")
def pdfs(book_html):
    for tool in ("pdftotext", "pdfinfo", "pdfunite"):
        if shutil.which(tool) is None:
            pytest.fail(
                f"{tool} not found: apt-get install -y poppler-utils (make test's browser setup does)", pytrace=False
            )
    out = book_html.parent / "pdf"
    wanted = {v: out / f"book-{v}.pdf" for v in ("student", "instructor")}
    built = max(p.stat().st_mtime for p in book_html.rglob("*.html"))
    if not all(p.is_file() and p.stat().st_mtime > built for p in wanted.values()):
        # A process of its own: Playwright's sync API runs one event loop per process,
        # and the browser fixture's is running.
        subprocess.run(
            [sys.executable, str(ROOT / "tools" / "pdf.py"), "--html", str(book_html), "--out", str(out)], check=True
        )
    return wanted


def test_pdfs(book_html, pdfs, browser_report):
    solution, other = [], []
    chapters = sorted((book_html / "chapters").glob("*.html"))
    titles = []
    for page in chapters:
        parser = _Texts()
        parser.feed(page.read_text(encoding="utf-8"))
        parser._flush()
        solution += parser.solution
        other += parser.other
        title = re.search(r"<h1>(.*?)<a", page.read_text(encoding="utf-8"), re.S)
        if title:
            titles.append(_normal(re.sub(r"<[^>]+>", "", title.group(1))))
    elsewhere = _normal(" ".join(other))
    # A run's first and last words touch a formula or a link, which the PDF's text may
    # run into them: only the words inside a run are compared.
    phrases = sorted({" ".join(_normal(run).split()[1:-1]) for run in solution if len(run.split()) >= MIN_WORDS + 2})
    phrases = [p for p in phrases if p not in elsewhere]
    assert len(phrases) >= 10, f"only {len(phrases)} solution phrases found in the built HTML"
    student, instructor = _pdf_text(pdfs["student"]), _pdf_text(pdfs["instructor"])
    leaked = [p for p in phrases if p in student]
    missing = [p for p in phrases if p not in instructor]
    no_title = [t for t in titles if t not in student or t not in instructor]
    pages = {v: _pdf_pages(p) for v, p in pdfs.items()}
    line = (
        f"PDF pages: student {pages['student']}, instructor {pages['instructor']}; {len(phrases)} solution "
        f"phrases: {len(leaked)} in the student's, {len(phrases) - len(missing)} in the instructor's"
    )
    print(line)
    browser_report.append(line)
    problems = []
    if leaked:
        problems.append(f"{len(leaked)} solution phrases are in {pdfs['student'].name}, e.g. {leaked[:3]}")
    # Formulas' glyphs can land inside a neighbouring phrase in the extracted text, so a
    # few phrases may not be found verbatim; most must be.
    if len(missing) > len(phrases) // 10:
        problems.append(
            f"{len(missing)} of {len(phrases)} solution phrases are not in {pdfs['instructor'].name}, "
            f"e.g. {missing[:3]}"
        )
    if no_title:
        problems.append(f"chapter titles missing from a PDF: {no_title}")
    if not pages["instructor"] > pages["student"]:
        problems.append(
            f"the instructor's PDF ({pages['instructor']} pages) is not longer than the student's ({pages['student']})"
        )
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
