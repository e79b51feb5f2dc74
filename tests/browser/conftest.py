"""Fixtures for the browser test of the built book (see test_pages.py for the why and how).

Everything the test needs from outside the repository is set up here:

- ``book_html``: the built HTML (``$BOOK_HTML``, default ``_build/html``); the test is
  skipped, with a message, only when that directory does not exist.
- ``server_url``: a local HTTP server on 127.0.0.1 (a free port) serving that directory.
- ``browser``: Debian's Chromium driven by Playwright; a missing Chromium is a failure
  that says how to install it, never a skip.
- ``cdn``: fulfils every request to a CDN host from the npm copies in
  ``tests/browser/node_modules`` and aborts every other request that leaves 127.0.0.1.

When Playwright is not installed, ``pytest tests`` (the unit-test run) does not collect
this directory at all; ``pytest tests/browser`` (asked for by name) does, and fails
telling how to install the browser dependencies.
"""

from __future__ import annotations

import functools
import http.server
import json
import mimetypes
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NODE_MODULES = HERE / "node_modules"
DEFAULT_BOOK_HTML = REPO / "_build" / "html"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI and the dev machines run as root: Chromium's sandbox refuses root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SETUP_HELP = """\
Set up the browser test (see the docstring of tests/browser/test_pages.py):
    apt-get update && apt-get install -y chromium
    .venv/bin/python -m pip install -r requirements-browser.txt
    npm ci --prefix tests/browser"""

try:
    import playwright  # noqa: F401  (only whether it is there: the fixtures import the API)
except ImportError:
    HAVE_PLAYWRIGHT = False
else:
    HAVE_PLAYWRIGHT = True
_NOT_COLLECTED: list[str] = []


# ---------------------------------------------------------------------------
# Collection guard: `pytest tests` must work without the browser dependencies.


def _asked_for_by_name(config) -> bool:
    """True when a command-line argument points at tests/browser or inside it."""
    for arg in config.args:
        path = Path(str(arg).split("::")[0])
        path = (Path(config.invocation_params.dir) / path).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path, config):
    if HAVE_PLAYWRIGHT or _asked_for_by_name(config):
        return None
    if collection_path.parent == HERE and collection_path.name.startswith("test_"):
        _NOT_COLLECTED.append(collection_path.name)
        return True  # browser deps absent and not asked for: `pytest tests` stays green
    return None


# ---------------------------------------------------------------------------
# CDN → node_modules


CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com")
#: cdnjs names libraries its own way: (cdnjs library, file) → (npm package, file in it).
#: No page loads from cdnjs at present (the widget manager and require.js are gone).
CDNJS: dict[tuple[str, str], tuple[str, str]] = {}
CONTENT_TYPES = {
    ".js": "application/javascript; charset=utf-8",
    ".mjs": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".svg": "image/svg+xml",
}


def _version_tuple(text):
    parts = re.findall(r"\d+", text)
    return tuple(int(p) for p in parts[:3])


def version_satisfies(installed: str, spec: str) -> bool:
    """Does the npm version ``installed`` satisfy a CDN URL's version ``spec``?

    The CDNs resolve ``pkg@3`` or ``pkg@3.2`` to the newest 3.x / 3.2.x, ``pkg@^1.0.0``
    to the newest 1.x, ``pkg@~1.2.0`` to the newest 1.2.x, ``pkg@*``/``pkg@latest`` and
    a bare ``pkg`` to the newest version; ``pkg@1.0.6`` is exactly that version.
    """
    spec = spec.strip()
    if spec in ("", "*", "latest"):
        return True
    have = _version_tuple(installed)
    if re.fullmatch(r"\d+\.\d+\.\d+", spec):
        return installed == spec
    if re.fullmatch(r"\d+(\.\d+)?", spec):
        want = _version_tuple(spec)
        return have[: len(want)] == want
    if spec.startswith("^") and re.fullmatch(r"\^\d+(\.\d+){0,2}", spec):
        want = _version_tuple(spec[1:])
        return have[0] == want[0] and have >= want  # (0.x carets don't occur here)
    if spec.startswith("~") and re.fullmatch(r"~\d+(\.\d+){0,2}", spec):
        want = _version_tuple(spec[1:])
        return have[:2] == (want + (0,))[:2] and have >= want
    return False


def _installed_version(package: str) -> str | None:
    manifest = NODE_MODULES / package / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text())["version"]


def local_copy(url: str) -> tuple[Path | None, str]:
    """The file under node_modules that serves a CDN ``url``, or None and why not."""
    parts = urlsplit(url)
    host, path = parts.hostname or "", unquote(parts.path)
    if host == "cdnjs.cloudflare.com":
        m = re.fullmatch(r"/ajax/libs/([^/]+)/([^/]+)/(.+)", path)
        if not m or (m.group(1), m.group(3)) not in CDNJS:
            return None, "no cdnjs mapping (add one to CDNJS in tests/browser/conftest.py)"
        package, inner = CDNJS[(m.group(1), m.group(3))]
        spec = m.group(2)
    elif host in ("cdn.jsdelivr.net", "unpkg.com"):
        rest = path[len("/npm/") :] if host == "cdn.jsdelivr.net" else path[1:]
        if host == "cdn.jsdelivr.net" and not path.startswith("/npm/"):
            return None, "only jsdelivr's /npm/ paths are mapped"
        m = re.fullmatch(r"((?:@[^/@]+/)?[^/@]+)(?:@([^/]*))?(?:/(.*))?", rest)
        if not m:
            return None, "cannot parse package@version/file"
        package, spec, inner = m.group(1), m.group(2) or "", m.group(3) or ""
        if not inner or inner.endswith("/"):
            return None, "a package's default file or a directory is not mapped"
    else:
        return None, "not a CDN host"
    installed = _installed_version(package)
    if installed is None:
        return None, f"npm package {package} is not in tests/browser/node_modules (add it to package.json)"
    if not version_satisfies(installed, spec):
        return None, f"page asks for {package}@{spec}, node_modules has {installed} (pin it in package.json)"
    file = (NODE_MODULES / package / inner).resolve()
    if NODE_MODULES.resolve() not in file.parents or not file.is_file():
        return None, f"{package}@{installed} has no file {inner}"
    return file, ""


@dataclass
class Cdn:
    """Routes one page's requests; remembers what it served and what it refused."""

    origin: str
    served: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    _cache: dict = field(default_factory=dict)

    def handle(self, route):
        url = route.request.url
        if url.startswith(self.origin + "/"):
            route.continue_()
            return
        host = urlsplit(url).hostname or ""
        if host in CDN_HOSTS:
            file, why = local_copy(url)
            if file is not None:
                if file not in self._cache:
                    self._cache[file] = file.read_bytes()
                content_type = CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
                route.fulfill(
                    status=200,
                    body=self._cache[file],
                    content_type=content_type or "application/octet-stream",
                    # The pages load these with crossorigin="anonymous": CORS must allow it.
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
                )
                self.served.append(url)
                return
            self.unmatched.append((url, why))
            print(f"\n[browser test] UNMATCHED CDN URL {url}: {why}", file=sys.stderr)
        else:
            self.blocked.append(url)
            print(f"\n[browser test] BLOCKED non-local request {url}", file=sys.stderr)
        route.abort("blockedbyclient")


# ---------------------------------------------------------------------------
# Fixtures


def book_html_dir() -> Path:
    return Path(os.environ.get("BOOK_HTML") or DEFAULT_BOOK_HTML).resolve()


@pytest.fixture(scope="session")
def book_html() -> Path:
    path = book_html_dir()
    if not path.is_dir():
        pytest.skip(
            f"no built book at {path}: build it first (`make book`, or "
            f"`jupyter-book build .`), or point BOOK_HTML at a built _build/html"
        )
    return path


@pytest.fixture(scope="session")
def screenshot_dir(book_html) -> Path:
    """_build/browser-screenshots next to _build/html. Each run overwrites the files it
    makes, and does not empty the folder: make test runs the browser tests in parallel
    processes that write there at the same time."""
    path = book_html.parent / "browser-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="session")
def server_url(book_html):
    handler = functools.partial(_QuietHandler, directory=str(book_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="book-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not HAVE_PLAYWRIGHT:
        pytest.fail("Playwright is not installed.\n" + SETUP_HELP, pytrace=False)
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium "
            f"(`apt-get update && apt-get install -y chromium`), or set CHROMIUM "
            f"to its path.\n" + SETUP_HELP,
            pytrace=False,
        )
    missing = [p for p in ("mathjax",) if not (NODE_MODULES / p).exists()]
    if missing:
        pytest.fail(
            f"tests/browser/node_modules lacks {', '.join(missing)}: run "
            f"`npm ci --prefix tests/browser` (with its install scripts).\n" + SETUP_HELP,
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def cdn(server_url) -> Cdn:
    """A fresh router for one page: ``page.route("**/*", cdn.handle)``."""
    return Cdn(origin=server_url)


@pytest.fixture(scope="session")
def cdn_local_copy():
    """``local_copy(url) -> (path or None, why not)``, for tests that check the mapping."""
    return local_copy


#: One line per page (and per PDF) with what was measured, printed at the end of the run.
_REPORT: list[str] = []
_REPORT_KEY = "browser report"


@pytest.fixture
def browser_report(request) -> list[str]:
    """Append a line to print in the run's summary (the measured table, without -s).

    The lines travel on the test's report (``user_properties``), so that the summary
    has them under pytest-xdist too, where the tests run in other processes."""
    lines: list[str] = []
    yield lines
    request.node.user_properties.extend((_REPORT_KEY, line) for line in lines)


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        _REPORT.extend(value for key, value in report.user_properties if key == _REPORT_KEY)


def pytest_terminal_summary(terminalreporter):
    if _REPORT:
        terminalreporter.section("browser test: measured")
        for line in _REPORT:
            terminalreporter.write_line(line)
    if _NOT_COLLECTED:
        terminalreporter.write_line(
            f"tests/browser not collected ({', '.join(_NOT_COLLECTED)}): Playwright is "
            f"not installed (requirements-browser.txt)"
        )
