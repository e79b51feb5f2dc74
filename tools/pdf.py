"""Print the built book to PDF: a student's copy without the solutions, an instructor's with them.

    python tools/pdf.py [--html _build/html] [--out _build/pdf]

writes ``book-student.pdf`` and ``book-instructor.pdf`` into ``--out``. Every page of the
book, in the order of its table of contents (the "next" links from the first page), is
opened in Debian's Chromium (Playwright) from a local HTTP server, printed with the
print style sheet (``_static/pages.css``: no sidebars, no buttons, no explorer controls,
long code lines wrapped) and the PDFs of the pages are joined with ``pdfunite``
(poppler-utils). Each page is opened once, with ``?solutions``, which shows the
solutions unfolded (``_static/pages.js``), and printed twice: as it is for the
instructor's copy, then without the class that flag set for the student's copy. Each
chapter starts on a new sheet; the footer gives the chapter and the page within it.

Needs what the browser test needs (``make pdf`` sets it up): Chromium at
``/usr/bin/chromium`` (or ``$CHROMIUM``), Playwright (requirements-browser.txt), the
npm copies of the scripts the pages load from CDNs (``npm ci --prefix tests/browser``;
MathJax among them), and ``pdfunite`` from Debian's poppler-utils.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import importlib.util
import posixpath
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_MS = 60_000
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"}
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#444;'
    'font-family:sans-serif">{title} · <span class="pageNumber"></span></div>'
)
#: What an instructor's page is opened with (_static/pages.js shows the solutions).
SOLUTIONS_FLAG = "?solutions"


def _browser_support():
    """The browser test's CDN router and Chromium settings (tests/browser/conftest.py)."""
    spec = importlib.util.spec_from_file_location("_book_browser_support", ROOT / "tests" / "browser" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class _Page(HTMLParser):
    """The title and the "next" link of a built page."""

    def __init__(self):
        super().__init__()
        self.next = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "right-next" in (attrs.get("class") or "").split() and self.next is None:
            self.next = attrs.get("href")
        elif tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh" and self.next is None:
            self.next = (attrs.get("content") or "").partition("url=")[2] or None
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def book_pages(book_html: Path) -> list[tuple[str, str]]:
    """(path relative to the book, title) of every page, in reading order."""
    pages, seen = [], set()
    path = "index.html"
    while path and path not in seen:
        seen.add(path)
        parser = _Page()
        parser.feed((book_html / path).read_text(encoding="utf-8"))
        if (book_html / path).stat().st_size > 2000 or parser.next is None:  # not the redirect
            title = html.unescape(parser.title).split(" — ")[0].strip()
            pages.append((path, title))
        nxt = parser.next.split("#")[0] if parser.next else None
        path = posixpath.normpath(posixpath.join(posixpath.dirname(path), nxt)) if nxt else None
    return pages


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


JS_READY = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await Promise.all([...document.images].map(img => {
    img.loading = 'eager';
    return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
  }));
  window.dispatchEvent(new Event('beforeprint'));  // folded blocks open, as when a reader prints
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return document.documentElement.classList.contains('pages-solutions');
}"""


def print_book(book_html: Path, out: Path, versions=("student", "instructor"), log=print) -> dict[str, Path]:
    if shutil.which("pdfunite") is None:
        sys.exit("pdfunite not found: install Debian's poppler-utils (apt-get install -y poppler-utils)")
    support = _browser_support()
    if not support.CHROMIUM.is_file():
        sys.exit(f"Chromium not found at {support.CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)")
    from playwright.sync_api import sync_playwright

    pages = book_pages(book_html)
    out.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Quiet, directory=str(book_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    written = {}
    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
            browser = playwright.chromium.launch(
                executable_path=str(support.CHROMIUM), args=support.CHROMIUM_ARGS, headless=True
            )
            started = time.monotonic()
            parts = {version: [] for version in versions}
            context = browser.new_context(
                color_scheme="light", service_workers="block", viewport={"width": 1000, "height": 1400}
            )
            cdn = support.Cdn(origin=origin)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.route("**/*", cdn.handle)
            page.emulate_media(media="print")
            for i, (path, title) in enumerate(pages):
                # One load (and one typesetting) per page: the instructor's sheets first, then
                # the same page without the flag's class, which hides the solutions again.
                page.goto(f"{origin}/{path}{SOLUTIONS_FLAG}", wait_until="load")
                if not page.evaluate(JS_READY):
                    raise SystemExit(
                        f"{path}: {SOLUTIONS_FLAG} did not show the solutions (is _static/pages.js in the build?)"
                    )
                for version in ("instructor", "student"):
                    if version == "student":
                        page.evaluate("() => document.documentElement.classList.remove('pages-solutions')")
                    if version not in parts:
                        continue
                    part = Path(tmp) / f"{version}-{i:02d}.pdf"
                    page.pdf(
                        path=str(part),
                        format="A4",
                        margin=MARGIN,
                        print_background=True,
                        display_header_footer=True,
                        header_template="<span></span>",
                        footer_template=FOOTER.format(title=html.escape(title)),
                    )
                    parts[version].append(part)
            context.close()
            if cdn.unmatched or cdn.blocked:
                raise SystemExit(f"pages asked for files that have no local copy: {cdn.unmatched or cdn.blocked}")
            for version in versions:
                target = out / f"book-{version}.pdf"
                subprocess.run(["pdfunite", *map(str, parts[version]), str(target)], check=True)
                written[version] = target
                log(f"{target}: the {len(parts[version])} pages of the book")
            log(f"printed in {time.monotonic() - started:.0f} s")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built book")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf", help="where the PDFs go")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").is_file():
        sys.exit(f"no built book at {args.html}: run `make book` first")
    print_book(args.html.resolve(), args.out.resolve())


if __name__ == "__main__":
    main()
