"""The built book in a real browser: math renders, no JavaScript errors, explorers respond.

What it checks
--------------
For every chapter page of the built book (``chapters/*.html``), loaded in headless
Chromium from a local HTTP server on 127.0.0.1:

1. **Math rendered.** Every ``.math`` element (Sphinx's inline and display math)
   holds an ``mjx-container`` once ``MathJax.startup.promise`` has resolved, and no
   formula is a MathJax error (``mjx-merror``: a stray brace) or holds an undefined
   macro (which MathJax's ``noundefined`` package shows as red text).
2. **No JavaScript errors.** No uncaught exception (``pageerror``), no console
   message of type ``error`` (which includes every 404 and every failed load), no
   request the test had to refuse. There is no list of tolerated errors: every one
   fails the page.
3. **No widget manager.** The explorers are static frame players (``mixlib.player``):
   a page holds no ipywidgets state or view and loads no ipywidgets manager, no
   require.js and no widget icon font.
4. **Explorers respond, to the mouse and the keyboard.** In every player
   (``.mixlib-player``) the controls are shown, every frame has real alt text (not a
   file name), and each of Next, Previous, Play/Pause, the range input (arrow keys,
   End, Home) and the variant choice (radio buttons) changes the picture on show,
   its alt text, the ``aria-live`` status and the input's ``aria-valuetext``
   ("iteration 3 of 20"), as they should; buttons are real ``<button>``s with names.
   Each player is screenshot in light and dark mode, at 1280 px and at 390 px.
5. **Weight.** Everything the page loads, compressed as a web host sends it (gzip),
   stays within ``GZIP_BUDGET``.
6. **Layout and accessibility** (``layout.py``), on the same load: display formulas that
   fit the column at 1280 px, a page no wider than a 390 px phone, axe-core with no
   critical or serious violation in light and dark mode, no formula as a Tab stop.

Each page is loaded and typeset once: the checks switch the colour scheme and the
viewport of the loaded page. Without ``BROWSER_SCREENSHOTS=full`` only the top of each
page is screenshot (at 1280 and 390 px, light and dark) besides the players.

Every screenshot is saved under ``_build/browser-screenshots/`` next to the
``_build/html`` that was tested.

More checks of a loaded page (accessibility with axe-core, print style sheets)
plug into ``PAGE_CHECKS``: each is called as ``check(page, shots, problems)`` after
the checks above and appends what it finds to ``problems``.

Offline and deterministic
-------------------------
Every request that leaves 127.0.0.1 is intercepted (``page.route("**/*")``).
Requests to cdn.jsdelivr.net, unpkg.com and cdnjs.cloudflare.com are answered from
the npm packages in ``tests/browser/node_modules`` (``package.json`` pins the
versions the pages ask for), everything else is aborted. A CDN URL without a local
copy is printed (``UNMATCHED CDN URL``) and fails the page; ``test_external_references``
also checks every page's external ``<script>``/``<link>`` statically, including the
``integrity`` hashes.

Setup (once per machine; CI runs the same)
------------------------------------------
::

    apt-get update && apt-get install -y chromium     # /usr/bin/chromium
    .venv/bin/python -m pip install -r requirements-browser.txt
    npm ci --prefix tests/browser                     # node_modules is not committed

Run
---
::

    make book                                         # or any build of the book
    .venv/bin/python -m pytest tests/browser -q

``BOOK_HTML=/path/to/_build/html`` tests another build; ``CHROMIUM`` overrides
``/usr/bin/chromium``. Without a built book the tests are skipped (with a message);
without Chromium, Playwright or ``node_modules`` they fail and say how to install them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import layout
import pytest

BOOK_HTML = Path(os.environ.get("BOOK_HTML") or Path(__file__).resolve().parents[2] / "_build" / "html").resolve()
CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com")
TIMEOUT_MS = 20_000
#: Everything a page loads, gzip-compressed as a web host sends it.
GZIP_BUDGET = 2 * 2**20
#: What a page must not load now that explorers need no widget manager.
WIDGET_LIBRARIES = re.compile(r"@jupyter-widgets|embed-amd\.js|require(\.min)?\.js|fontawesome-webfont")

# ---------------------------------------------------------------------------
# Pages


def chapter_pages():
    if not BOOK_HTML.is_dir():
        reason = (
            f"no built book at {BOOK_HTML}: build it first (`make book` or "
            f"`jupyter-book build .`), or set BOOK_HTML to a built _build/html"
        )
        return [pytest.param(None, id="no-book", marks=pytest.mark.skip(reason=reason))]
    pages = sorted(p for p in (BOOK_HTML / "chapters").glob("*.html") if p.stem not in ("genindex", "search"))
    if not pages:
        return [pytest.param(None, id="no-pages")]
    return [pytest.param(p.relative_to(BOOK_HTML).as_posix(), id=p.stem) for p in pages]


PAGES = chapter_pages()


class _LocalRefs(HTMLParser):
    """src and href attributes that point into the built site."""

    def __init__(self):
        super().__init__()
        self.refs = set()

    def handle_starttag(self, tag, attrs):
        if tag in ("a",):  # links are not loaded with the page
            return
        if tag == "link" and not {"stylesheet", "preload", "modulepreload", "icon"} & set(
            (dict(attrs).get("rel") or "").split()
        ):
            return  # rel="next", "prev", "search", ... name pages, they do not load them
        for name, value in attrs:
            if (
                name in ("src", "href")
                and value
                and not value.startswith(("http:", "https:", "//", "#", "data:", "mailto:"))
            ):
                self.refs.add(value.split("#")[0].split("?")[0])


@pytest.mark.parametrize("page_path", PAGES)
def test_page_weight(page_path, book_html):
    """Every page, with the images, scripts and style sheets of the site that it loads,
    stays within GZIP_BUDGET as a web host sends it, compressed with gzip (a reader on
    a slow connection). ``test_page`` measures the same in the browser, CDN files included."""
    page = book_html / page_path
    parser = _LocalRefs()
    parser.feed(page.read_text(encoding="utf-8"))
    files = [page] + sorted(f for f in {(page.parent / ref).resolve() for ref in parser.refs} if f.is_file())
    raw = sum(f.stat().st_size for f in files)
    packed = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)
    print(
        f"{page_path}: {raw / 2**20:.2f} MB raw, {packed / 2**20:.2f} MB gzipped, with the {len(files) - 1} "
        f"files of the site it loads"
    )
    assert packed < GZIP_BUDGET, f"{page_path} weighs {packed / 2**20:.2f} MB gzipped with what it loads"


class _ExternalRefs(HTMLParser):
    """<script src> and <link href> (stylesheets, preloads) that leave the site."""

    def __init__(self):
        super().__init__()
        self.refs = []  # (url, integrity or None)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get("src") if tag == "script" else attrs.get("href") if tag == "link" else None
        if tag == "link" and not {"stylesheet", "preload", "modulepreload"} & set((attrs.get("rel") or "").split()):
            return
        if url and url.startswith(("http:", "https:", "//")):
            self.refs.append((("https:" + url) if url.startswith("//") else url, attrs.get("integrity")))


def _sri_ok(data: bytes, integrity: str) -> bool:
    for token in integrity.split():
        algorithm, _, digest = token.partition("-")
        if algorithm in ("sha256", "sha384", "sha512"):
            if base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == digest.split("?")[0]:
                return True
    return False


def test_external_references(book_html, cdn_local_copy):
    """Every external script/stylesheet a page loads has a local copy, byte-identical
    where the page pins it with an ``integrity`` hash (Subresource Integrity)."""
    problems, seen = [], {}
    for page in sorted((book_html / "chapters").glob("*.html")):
        parser = _ExternalRefs()
        parser.feed(page.read_text(encoding="utf-8"))
        for url, integrity in parser.refs:
            seen.setdefault(url, []).append(page.name)
            host = urlsplit(url).hostname
            if host not in CDN_HOSTS:
                problems.append(f"{page.name}: loads {url} from {host}, which the offline test cannot serve")
                continue
            file, why = cdn_local_copy(url)
            if file is None:
                problems.append(f"{page.name}: no local copy of {url}: {why}")
            elif integrity and not _sri_ok(file.read_bytes(), integrity):
                problems.append(
                    f"{page.name}: {file} does not match integrity {integrity} of {url} "
                    f"(re-run `npm ci --prefix tests/browser`; see package.json)"
                )
    for url, pages in sorted(seen.items()):
        print(f"{url}  <- {len(pages)} page(s), served from {cdn_local_copy(url)[0]}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# ---------------------------------------------------------------------------
# Helpers run in the page

JS_MATH = """() => {
  const math = [...document.querySelectorAll('.math')];
  return {
    n_math: math.length,
    n_containers: document.querySelectorAll('mjx-container').length,
    unrendered: math.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.trim().slice(0, 80)),
    errors: [...document.querySelectorAll('mjx-merror')].map(
        e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 120)),
    // MathJax's noundefined package shows an unknown macro as red text, not as an error.
    undefined: (MathJax.startup.document.math ? [...MathJax.startup.document.math] : []).filter(item => {
      let red = false;
      item.root.walkTree(node => {
        red = red || (node.isKind('mtext') && node.attributes.get('mathcolor') === 'red');
      });
      return red;
    }).map(item => item.math.slice(0, 120)),
  };
}"""

# The widget state without the image buffers: what the test needs to know which
# controls are linked in the browser and where they sit in each view.
JS_SETTLED = """(root) => new Promise(resolve => {
  const imgs = [...root.querySelectorAll('img')];
  Promise.all(imgs.map(i => i.complete ? null : new Promise(r => {
    i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); })))
    .then(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))));
})"""

# ---------------------------------------------------------------------------
# The page test


def _check_math(page, problems):
    has_mathjax = page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')")
    n_math = page.locator(".math").count()
    if not has_mathjax:
        if n_math:
            problems.append(f"math: {n_math} .math elements but the page does not load MathJax")
        return
    page.wait_for_function("() => !!(window.MathJax && MathJax.startup && MathJax.startup.promise)", timeout=TIMEOUT_MS)
    page.evaluate("() => MathJax.startup.promise.then(() => true)")
    report = page.evaluate(JS_MATH)
    if report["unrendered"]:
        problems.append(
            f"math: {len(report['unrendered'])} of {report['n_math']} formulas not rendered, "
            f"e.g. {report['unrendered'][:3]}"
        )
    if report["errors"]:
        problems.append(f"math: MathJax errors {report['errors'][:5]}")
    if report["undefined"]:
        problems.append(f"math: undefined macros (shown in red) in {report['undefined'][:5]}")
    if report["n_math"] and not report["n_containers"]:
        problems.append("math: MathJax produced no mjx-container")
    return report


# ---------------------------------------------------------------------------
# Explorers: the static frame player

JS_PLAYER_STATE = """(root) => {
  const img = root.querySelector('figure img'), slider = root.querySelector('input[type=range]');
  const status = root.querySelector('.mixlib-player-status');
  return {src: img.currentSrc || img.src, alt: img.alt, complete: img.complete && img.naturalWidth > 0,
          value: slider.value, valuetext: slider.getAttribute('aria-valuetext'), max: slider.max,
          status: status.textContent, live: status.getAttribute('aria-live'),
          controls_hidden: root.querySelector('.mixlib-player-controls').hidden,
          play_label: root.querySelector('.mixlib-player-play').textContent.trim(),
          pressed: root.querySelector('.mixlib-player-play').getAttribute('aria-pressed')};
}"""

JS_NO_WIDGETS = """(pattern) => {
  const re = new RegExp(pattern);
  const loaded = performance.getEntriesByType('resource').map(e => e.name).filter(n => re.test(n));
  const scripts = [...document.querySelectorAll('script[src]')].map(s => s.src).filter(n => re.test(n));
  const state = document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"], '
                                          + 'script[type="application/vnd.jupyter.widget-view+json"]').length;
  return {loaded, scripts, state, requirejs: typeof window.requirejs !== 'undefined'};
}"""


def _check_no_widget_manager(page, problems):
    found = page.evaluate(JS_NO_WIDGETS, WIDGET_LIBRARIES.pattern)
    if found["state"]:
        problems.append(f"widgets: the page embeds {found['state']} ipywidgets state/view script(s)")
    for url in sorted(set(found["loaded"] + found["scripts"])):
        problems.append(f"widgets: the page loads {url}, which no explorer needs")
    if found["requirejs"]:
        problems.append("widgets: require.js is loaded, which nothing on the page needs")


def _player_state(root):
    return root.evaluate(JS_PLAYER_STATE)


def _expect_frame(name, what, before, after, index, problems):
    """After an action the frame ``index`` is on show: picture, alt, status and value agree."""
    n = int(after["max"]) + 1
    if int(after["value"]) != index:
        problems.append(f"{name}: {what}: the range input shows {after['value']}, expected {index}")
    if after["valuetext"] is None or not after["valuetext"].endswith(f" {index} of {n - 1}"):
        problems.append(f"{name}: {what}: aria-valuetext {after['valuetext']!r} does not say '{index} of {n - 1}'")
    if after["status"] != after["alt"]:
        problems.append(f"{name}: {what}: the status {after['status']!r} is not the frame's alt {after['alt']!r}")
    if index != int(before["value"]) and (after["src"] == before["src"] or after["alt"] == before["alt"]):
        problems.append(f"{name}: {what}: the picture or its alt text did not change")


def _check_players(page, shots, problems):
    players = page.locator(".mixlib-player")
    for i in range(players.count()):
        root = players.nth(i)
        name = f"player{i}"
        root.scroll_into_view_if_needed()
        root.evaluate(JS_SETTLED)
        state = _player_state(root)
        if state["controls_hidden"]:
            problems.append(f"{name}: its controls are still hidden (did the script run?)")
            continue
        if not state["complete"]:
            problems.append(f"{name}: the frame did not load")
        alt = state["alt"].strip()
        if len(alt) < 20 or re.search(r"\.(png|svg|jpe?g)\b|^data:", alt):
            problems.append(f"{name}: the frame's alt text {alt!r} does not describe it")
        for button in ("play", "prev", "next"):
            element = root.locator(f"button.mixlib-player-{button}")
            if element.count() != 1 or not element.inner_text().strip():
                problems.append(f"{name}: no named <button> for {button}")
        label = root.locator("label[for]").first
        if not label.count() or root.locator(f"#{label.get_attribute('for')}").count() != 1:
            problems.append(f"{name}: the range input has no <label>")
        shots.element(root, f"{name}-0-initial")
        n = int(state["max"]) + 1

        before = state
        root.locator("button.mixlib-player-next").click()
        after = _player_state(root)
        _expect_frame(name, "Next", before, after, 1, problems)
        if after["live"] != "polite":
            problems.append(f"{name}: Next: the status is not announced (aria-live={after['live']!r})")
        shots.element(root, f"{name}-1-next")

        before = after
        root.locator("button.mixlib-player-prev").click()
        _expect_frame(name, "Previous", before, _player_state(root), 0, problems)

        # The keyboard alone: the range input takes arrows, End and Home.
        slider = root.locator("input[type=range]")
        slider.focus()
        before = _player_state(root)
        page.keyboard.press("ArrowRight")
        after = _player_state(root)
        _expect_frame(name, "ArrowRight on the range input", before, after, 1, problems)
        page.keyboard.press("End")
        before, after = after, _player_state(root)
        _expect_frame(name, "End on the range input", before, after, n - 1, problems)
        shots.element(root, f"{name}-2-end")
        page.keyboard.press("Home")
        _expect_frame(name, "Home on the range input", after, _player_state(root), 0, problems)
        # Next with Enter, as a keyboard user presses a focused button.
        root.locator("button.mixlib-player-next").focus()
        before = _player_state(root)
        page.keyboard.press("Enter")
        _expect_frame(name, "Enter on Next", before, _player_state(root), 1, problems)

        # Play moves on by itself, and Pause stops it.
        before = _player_state(root)
        root.locator("button.mixlib-player-play").click()
        playing = _player_state(root)
        if playing["pressed"] != "true" or "Pause" not in playing["play_label"]:
            problems.append(f"{name}: Play: the button does not become Pause (aria-pressed={playing['pressed']!r})")
        try:
            page.wait_for_function(
                "([r, v]) => r.querySelector('input[type=range]').value !== v",
                arg=[root.element_handle(), before["value"]],
                timeout=5_000,
            )
        except Exception:  # noqa: BLE001 - playwright's TimeoutError
            problems.append(f"{name}: Play: no frame change within 5 s")
        root.locator("button.mixlib-player-play").click()
        paused = _player_state(root)
        page.wait_for_timeout(1_500)
        still = _player_state(root)
        if paused["pressed"] != "false" or still["value"] != paused["value"]:
            problems.append(f"{name}: Pause did not stop the run ({paused['value']} -> {still['value']})")
        _expect_frame(name, "Play then Pause", before, paused, int(paused["value"]), problems)

        radios = root.locator("input[type=radio]")
        for k in range(radios.count()):
            if radios.nth(k).is_checked():
                continue
            before = _player_state(root)
            radios.nth(k).check()
            after = _player_state(root)
            if after["value"] != before["value"] or after["src"] == before["src"]:
                problems.append(f"{name}: choosing variant {k} did not change the picture at the same frame")
            shots.element(root, f"{name}-3-variant{k}")
        print(f"{name}: {n} frames; buttons, range input, keyboard and Play respond")


class _Shots:
    def __init__(self, directory: Path):
        self.directory = directory

    def element(self, root, name):
        self.directory.mkdir(parents=True, exist_ok=True)
        root.evaluate(JS_SETTLED)
        root.screenshot(path=self.directory / f"{name}.png", animations="disabled")


def _players_screenshotter(page, shots):
    """``shoot(label)``: every player of the page as it is shown now, as ``player<i>-<label>.png``."""

    def shoot(label):
        players = page.locator(".mixlib-player")
        for i in range(players.count()):
            players.nth(i).scroll_into_view_if_needed()
            shots.element(players.nth(i), f"player{i}-{label}")

    return shoot


#: Further checks of a loaded page: ``check(page, shots, problems)``.
PAGE_CHECKS: list = []


@pytest.mark.parametrize("page_path", PAGES)
def test_page(page_path, book_html, server_url, browser, cdn, screenshot_dir, browser_report):
    if page_path is None:
        pytest.fail(f"no chapter pages (chapters/*.html) in {book_html}", pytrace=False)
    stem = Path(page_path).stem
    started = time.monotonic()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, device_scale_factor=1, service_workers="block", color_scheme="light"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors, http_errors, problems, responses = [], [], [], []
    page.on("pageerror", lambda exc: errors.append(("pageerror", exc.message, exc.stack or "")))
    page.on(
        "console",
        lambda msg: msg.type == "error" and errors.append(("console", msg.text, (msg.location or {}).get("url", ""))),
    )
    page.on("response", lambda r: (r.status >= 400 and http_errors.append(f"{r.status} {r.url}"), responses.append(r)))
    page.on("requestfailed", lambda r: errors.append(("request failed", f"{r.url}: {r.failure}", "")))
    page.route("**/*", cdn.handle)
    math, n_players, raw, packed = None, 0, 0, 0
    shots = _Shots(screenshot_dir / stem)
    summary = {}
    try:
        page.goto(f"{server_url}/{page_path}", wait_until="load")
        math = _check_math(page, problems)
        _check_no_widget_manager(page, problems)
        layout.check_wide(page, problems, summary)
        n_players = page.locator(".mixlib-player").count()
        _check_players(page, shots, problems)
        for check in PAGE_CHECKS:
            check(page, shots, problems)
        if layout.FULL_SCREENSHOTS:
            # The whole page, for a person to look at (JPEG: a chapter is ~20,000 px tall).
            page.screenshot(
                path=screenshot_dir / f"{stem}.jpg", full_page=True, type="jpeg", quality=70, animations="disabled"
            )
        layout.check_modes(page, screenshot_dir / stem, problems, summary, _players_screenshotter(page, shots))
        page.wait_for_timeout(100)  # let late console messages arrive
        for response in responses:
            try:
                body = response.body()
            except Exception:  # noqa: BLE001 - a redirect or an aborted request has no body
                continue
            raw += len(body)
            packed += len(gzip.compress(body, 6))
        if packed > GZIP_BUDGET:
            problems.append(
                f"weight: {packed / 2**20:.2f} MB gzipped with everything it loads "
                f"(budget {GZIP_BUDGET / 2**20:.0f} MB; {raw / 2**20:.2f} MB raw)"
            )
    except Exception as exc:  # noqa: BLE001 - a timeout or a closed page: report it with the JS errors
        problems.append(f"{exc.__class__.__name__}: {str(exc).strip().splitlines()[0]}")
    finally:
        context.close()
    problems += [f"HTTP error response {e}" for e in http_errors]
    seen = {}
    for kind, text, where in errors:
        lines = [ln.strip() for ln in (where or "").strip().splitlines()]
        if lines and text in lines[0]:  # a stack starts with "TypeError: <message>"
            lines = lines[1:]
        key = (kind, text, "\n      ".join(lines[:3]))
        seen[key] = seen.get(key, 0) + 1
    for (kind, text, detail), count in seen.items():
        problems.append(
            f"JS {kind}{f' (x{count})' if count > 1 else ''}: {text}" + (f"\n      {detail}" if detail else "")
        )
    problems += [f"CDN URL with no local copy: {url} ({why})" for url, why in cdn.unmatched]
    problems += [f"request to the network refused: {url}" for url in cdn.blocked]
    maths = f"{math['n_containers']} math containers" if math else "no MathJax"
    line = (
        f"{stem}: {maths}, {n_players} explorer players, {len(cdn.served)} CDN files served locally, "
        f"{raw / 2**20:.2f} MB raw / {packed / 2**20:.2f} MB gzipped, {time.monotonic() - started:.1f} s; "
        f"{len(http_errors)} HTTP error responses"
    )
    layout_line = f"[layout] {stem}: " + ", ".join(f"{k} {v}" for k, v in summary.items())
    print(line + "\n" + layout_line)
    browser_report += [line, layout_line]
    if problems:
        pytest.fail(f"{page_path}:\n  " + "\n  ".join(problems), pytrace=False)
