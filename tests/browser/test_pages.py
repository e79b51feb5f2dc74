"""The built book in a real browser: math renders, no JavaScript errors, widgets respond.

What it checks
--------------
For every chapter page of the built book (``chapters/*.html``), loaded in headless
Chromium from a local HTTP server on 127.0.0.1:

1. **Math rendered.** Every ``.math`` element (Sphinx's inline and display math)
   holds an ``mjx-container`` once ``MathJax.startup.promise`` has resolved, and no
   formula is a MathJax error (``mjx-merror``: an undefined macro, a stray brace).
2. **No JavaScript errors.** No uncaught exception (``pageerror``), no console
   message of type ``error`` (which includes every 404 and every failed load), no
   request the test had to refuse. Errors known to be harmless are listed in
   ``KNOWN_ERRORS`` below, each matched narrowly and with the reason; the ones seen
   are counted at the end of the run, so they are never hidden.
3. **Widgets respond.** On a page with an embedded widget state
   (``application/vnd.jupyter.widget-state+json``) every widget view is rendered
   (visible, images loaded), and every ``Play`` button and slider that is linked in
   the browser (``jslink``, i.e. works without a kernel) changes what is shown:
   Play is clicked (and paused once the frame has moved) and the slider's handle is
   moved with the arrow keys; screenshots of the widget taken before and after, with
   the controls themselves masked out, must differ. Linked ToggleButtons (the
   singularity explorer's σ² / σ² + reg_covar) are clicked and checked the same way.

Every screenshot (each page, each widget before and after) is saved under
``_build/browser-screenshots/`` next to the ``_build/html`` that was tested.

Offline and deterministic
-------------------------
Every request that leaves 127.0.0.1 is intercepted (``page.route("**/*")``).
Requests to cdn.jsdelivr.net, unpkg.com and cdnjs.cloudflare.com are answered from
the npm packages in ``tests/browser/node_modules`` (``package.json`` pins the
versions the pages ask for: MathJax 3, require.js 2.3.4, @jupyter-widgets/html-manager
1.0.6, which bundles the widget controls and loads nothing else), everything else is
aborted. A CDN URL without a local copy is printed (``UNMATCHED CDN URL``) and fails
the page; ``test_external_references`` also checks every page's external
``<script>``/``<link>`` statically, including the ``integrity`` hashes.

Known problem: explorers frozen on the static page
--------------------------------------------------
The theme's Font Awesome script replaces every ``<i class="fa ...">`` with an
``<svg>``; ipywidgets' Play view then fails to find its icon on each change
(``Cannot set properties of undefined (setting 'className')`` in ``updatePlaying``),
and the exception also stops the ``jslink`` between slider and frames: nothing
moves. The fix, in the book (jupyter-book adds every ``_static/*.js``/``*.css``)::

    // _static/ipywidgets-fixes.js
    window.FontAwesomeConfig = Object.assign({}, window.FontAwesomeConfig, {autoReplaceSvg: "nest"});

    /* _static/ipywidgets-fixes.css: the widgets' own icon font never loads */
    .widget-play i.fa::before { content: none; }

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
import hashlib
import io
import json
import os
import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BOOK_HTML = Path(os.environ.get("BOOK_HTML") or Path(__file__).resolve().parents[2] / "_build" / "html").resolve()
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com")
TIMEOUT_MS = 20_000
#: At most this many arrow-key presses per slider.
SLIDER_STEPS = 3
#: Left out of the before/after comparison: the controls (their own handle and readout
#: move), with a margin for focus rings and hover shading.
CONTROLS = ".widget-slider, .widget-play, .widget-readout, .widget-toggle-buttons"
MASK_PAD = 4


# ---------------------------------------------------------------------------
# Errors that are known and harmless. Each entry matches one message narrowly and
# says why it may be ignored; the run's summary counts how often each was seen.


@dataclass(frozen=True)
class Known:
    key: str
    kind: str  # "pageerror" (uncaught exception) or "console" (console.error)
    text: str  # regex, must match the whole message
    where: str | None = None  # regex searched in the stack (pageerror) or the console location URL

    def matches(self, kind, text, where):
        return (kind == self.kind and re.fullmatch(self.text, text, re.S) is not None
                and (self.where is None or re.search(self.where, where or "") is not None))


KNOWN_ERRORS = [
    # jupyter-book 1.0.4's Sphinx build emits sphinx-thebe's inline configuration
    # script (`const THEBE_JS_URL = ...; const thebe_selector = ...`) twice in every
    # page's <head>. The second copy fails to redeclare the constants; the first has
    # already set them to the same values, and thebe itself only loads when a reader
    # presses "Live code" (which this book does not enable). Harmless.
    Known("sphinx-thebe: duplicated `const THEBE_JS_URL` script in <head>",
          "pageerror", r"Identifier 'THEBE_JS_URL' has already been declared"),
    # @jupyter-widgets (every html-manager release up to 1.0.15) typesets widget
    # descriptions with MathJax 2's API, `MathJax.Hub.Queue(...)`, whenever
    # window.MathJax exists; the book loads MathJax 3, which has no `Hub`
    # (jupyter-widgets/ipywidgets#3829). The description text is set before the call,
    # so labels still show (plain text, no math). One error per described widget.
    Known("ipywidgets typeset(): MathJax 2 API (MathJax.Hub.Queue) on a MathJax 3 page",
          "pageerror", r"Cannot read properties of undefined \(reading 'Queue'\)", where=r"embed-amd\.js"),
    # html-manager 1.0.6's bundled Font Awesome CSS points at its font files with URLs
    # relative to the page (chapters/@jupyter-widgets/...), so they 404 on any host,
    # the real one included. Nothing uses them: the Play buttons' icons are drawn as
    # inline SVG by the theme's Font Awesome script.
    Known("html-manager: Font Awesome fonts requested relative to the page (404)",
          "console", r"Failed to load resource: the server responded with a status of 404 \(.*\)",
          where=r"/@jupyter-widgets/(html-manager/dist/)?[0-9a-f]{20}\.(woff2?|ttf|eot|svg)$"),
    # html-manager 1.0.6's Stack view, when its selected child changes again before the
    # previous child view is attached (a reader pressing an arrow key quickly or
    # dragging a frame slider; this test presses it SLIDER_STEPS times in a row), sends
    # a Lumino message to the view it has just disposed of and logs this. The frame
    # shown in the end is the right one (the screenshots show it). With 400 ms between
    # presses it does not happen.
    Known("html-manager Stack: quick successive frames message a disposed view",
          "console", r"TypeError: Cannot read properties of null \(reading 'processLuminoMessage'\)(\n\s+at .*)?",
          where=r"embed-amd\.js"),
]


#: Errors that are NOT harmless but whose cause is known: the failure message adds the hint.
HINTS = [
    (r"Cannot set properties of undefined \(setting 'className'\)", r"updatePlaying",
     "ipywidgets' Play view looks up the <i> of its play/pause icon, which the theme's Font Awesome "
     "(SVG + JS) has replaced with an <svg>. The exception also breaks the browser-side links "
     "(jslink), so neither Play nor the frame slider changes the picture on the static page. "
     "Fix: a _static/*.js setting window.FontAwesomeConfig = {autoReplaceSvg: 'nest'} (see the "
     "docstring of tests/browser/test_pages.py)."),
]


# ---------------------------------------------------------------------------
# Pages


def chapter_pages():
    if not BOOK_HTML.is_dir():
        reason = (f"no built book at {BOOK_HTML}: build it first (`make book` or "
                  f"`jupyter-book build .`), or set BOOK_HTML to a built _build/html")
        return [pytest.param(None, id="no-book", marks=pytest.mark.skip(reason=reason))]
    pages = sorted(p for p in (BOOK_HTML / "chapters").glob("*.html") if p.stem not in ("genindex", "search"))
    if not pages:
        return [pytest.param(None, id="no-pages")]
    return [pytest.param(p.relative_to(BOOK_HTML).as_posix(), id=p.stem) for p in pages]


PAGES = chapter_pages()


PAGE_BUDGET = 5 * 2**20  # bytes: a page with everything of the site's own that it loads


class _LocalRefs(HTMLParser):
    """src and href attributes that point into the built site."""

    def __init__(self):
        super().__init__()
        self.refs = set()

    def handle_starttag(self, tag, attrs):
        if tag in ("a",):  # links are not loaded with the page
            return
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith(("http:", "https:", "//", "#", "data:", "mailto:")):
                self.refs.add(value.split("#")[0].split("?")[0])


@pytest.mark.parametrize("page_path", PAGES)
def test_page_weight(page_path, book_html):
    """Every page, with the images, scripts and style sheets of the site that it loads,
    stays under 5 MB (a reader on a slow connection, and Binder's static host)."""
    page = book_html / page_path
    parser = _LocalRefs()
    parser.feed(page.read_text(encoding="utf-8"))
    files = {(page.parent / ref).resolve() for ref in parser.refs}
    total = page.stat().st_size + sum(f.stat().st_size for f in files if f.is_file())
    print(f"{page_path}: {total / 2**20:.2f} MB with the {len(files)} files it loads")
    assert total < PAGE_BUDGET, f"{page_path} weighs {total / 2**20:.2f} MB with what it loads"


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
                problems.append(f"{page.name}: {file} does not match integrity {integrity} of {url} "
                                f"(re-run `npm ci --prefix tests/browser`; see package.json)")
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
  };
}"""

# The widget state without the image buffers: what the test needs to know which
# controls are linked in the browser and where they sit in each view.
JS_WIDGET_STATE = """(mime) => {
  const tag = document.querySelector(`script[type="${mime}"]`);
  if (!tag) return null;
  const state = JSON.parse(tag.textContent).state, out = {};
  for (const [id, m] of Object.entries(state)) {
    const s = m.state || {};
    out[id] = {model: m.model_name, view: s._view_name || null, description: s.description || '',
               children: s.children || [], selected_index: s.selected_index ?? null,
               source: s.source || null, target: s.target || null, interval: s.interval || null};
  }
  return out;
}"""

JS_VIEWS_RENDERED = """(mime) => {
  const tags = [...document.querySelectorAll(`script[type="${mime}"]`)];
  return tags.every(t => t.previousElementSibling && t.previousElementSibling.classList.contains('widget-subarea')
                         && t.previousElementSibling.querySelector('.jupyter-widgets'));
}"""

JS_CONTROL_BOXES = """(root, selector) => {
  const r = root.getBoundingClientRect();
  return [...root.querySelectorAll(selector)].map(e => {
    const b = e.getBoundingClientRect();
    return [b.left - r.left, b.top - r.top, b.width, b.height];
  });
}"""

JS_SETTLED = """(root) => new Promise(resolve => {
  const imgs = [...root.querySelectorAll('img')];
  Promise.all(imgs.map(i => i.complete ? null : new Promise(r => {
    i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); })))
    .then(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))));
})"""


def _model_id(ref):
    return ref[len("IPY_MODEL_"):] if isinstance(ref, str) and ref.startswith("IPY_MODEL_") else ref


def _walk(state, model_id, out):
    """Models of one view in DOM order. A Stack shows (and renders) only its selected child."""
    model = state.get(model_id)
    if model is None:
        return out
    out.append(model_id)
    children = [_model_id(c) for c in model["children"]]
    if model["model"] == "StackModel":
        index = model["selected_index"]
        children = [children[index]] if index is not None and 0 <= index < len(children) else []
    for child in children:
        _walk(state, child, out)
    return out


def _linked(state):
    """id → set of ids it is linked to in the browser (jslink / jsdlink)."""
    graph = {}
    for model in state.values():
        if model["model"] in ("LinkModel", "DirectionalLinkModel") and model["source"] and model["target"]:
            a, b = _model_id(model["source"][0]), _model_id(model["target"][0])
            graph.setdefault(a, set()).add(b)
            graph.setdefault(b, set()).add(a)
    return graph


def _differs(before, after) -> tuple[bool, str]:
    """Compare two (png, control boxes) screenshots of a widget outside its controls."""
    import numpy as np
    from PIL import Image

    (png_a, boxes_a), (png_b, boxes_b) = before, after
    a, b = (np.array(Image.open(io.BytesIO(png)).convert("RGB")) for png in (png_a, png_b))
    if a.shape != b.shape:
        return True, f"size {a.shape[1]}x{a.shape[0]} -> {b.shape[1]}x{b.shape[0]}"
    for x, y, w, h in boxes_a + boxes_b:  # a control's own look (value, focus, hover) is not "what is shown"
        x0, y0 = max(0, int(x) - MASK_PAD), max(0, int(y) - MASK_PAD)
        x1, y1 = int(x + w) + MASK_PAD + 1, int(y + h) + MASK_PAD + 1
        a[y0:y1, x0:x1] = b[y0:y1, x0:x1] = 0
    changed = np.any(a != b, axis=-1)
    if not changed.any():
        return False, "identical outside the controls"
    rows, cols = np.nonzero(changed)
    return True, (f"{int(changed.sum())} pixels differ outside the controls, in x {cols.min()}-{cols.max()}, "
                  f"y {rows.min()}-{rows.max()}")


def _neutral(page):
    """No hover, no focus ring: before/after screenshots differ only by what is shown."""
    page.mouse.move(0, 0)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


class _Shots:
    def __init__(self, directory: Path):
        self.directory = directory

    def widget(self, root, name):
        """Save the widget as a person sees it: (png, boxes of its controls within it)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        root.evaluate(JS_SETTLED)
        png = root.screenshot(path=self.directory / f"{name}.png", animations="disabled")
        return png, root.evaluate(JS_CONTROL_BOXES, CONTROLS)

    def changed(self, page, root, name, before, within_s=3.0):
        """Screenshot until the widget differs from ``before`` (a new frame is drawn
        asynchronously) or ``within_s`` has passed: (png, changed, how)."""
        deadline = time.monotonic() + within_s
        while True:
            after = self.widget(root, name)
            changed, how = _differs(before, after)
            if changed or time.monotonic() > deadline:
                return after, changed, how
            page.wait_for_timeout(200)


# ---------------------------------------------------------------------------
# The page test


def _check_math(page, problems):
    has_mathjax = page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')")
    n_math = page.locator(".math").count()
    if not has_mathjax:
        if n_math:
            problems.append(f"math: {n_math} .math elements but the page does not load MathJax")
        return
    page.wait_for_function("() => !!(window.MathJax && MathJax.startup && MathJax.startup.promise)",
                           timeout=TIMEOUT_MS)
    page.evaluate("() => MathJax.startup.promise.then(() => true)")
    report = page.evaluate(JS_MATH)
    if report["unrendered"]:
        problems.append(f"math: {len(report['unrendered'])} of {report['n_math']} formulas not rendered, "
                        f"e.g. {report['unrendered'][:3]}")
    if report["errors"]:
        problems.append(f"math: MathJax errors {report['errors'][:5]}")
    if report["n_math"] and not report["n_containers"]:
        problems.append("math: MathJax produced no mjx-container")
    return report


def _drive_play(page, play, slider_handle, interval_ms) -> str | None:
    """Click Play, wait until the frame moves, click again to pause; None or what went wrong."""
    interval_ms = interval_ms or 500
    before = slider_handle.get_attribute("aria-valuenow") if slider_handle is not None else None
    play.locator("button").first.click()
    try:
        if slider_handle is not None:
            page.wait_for_function("([h, v]) => h.getAttribute('aria-valuenow') !== v",
                                   arg=[slider_handle.element_handle(), before], timeout=3 * interval_ms + 2_000)
        else:
            page.wait_for_timeout(2 * interval_ms + 200)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError; reported by the caller
        return f"the linked slider did not move within {3 * interval_ms + 2_000} ms of clicking Play"
    finally:
        play.locator("button").first.click()  # Play's first button toggles playing: pause
    return None


def _check_widgets(page, shots, problems):
    state = page.evaluate(JS_WIDGET_STATE, WIDGET_STATE)
    views = page.locator(f'script[type="{WIDGET_VIEW}"]')
    n_views = views.count()
    if state is None:
        if n_views:
            problems.append(f"widgets: {n_views} widget views but no widget state on the page")
        return 0
    if not n_views:
        return 0
    try:
        page.wait_for_function(JS_VIEWS_RENDERED, arg=WIDGET_VIEW, timeout=TIMEOUT_MS)
    except Exception as exc:  # noqa: BLE001 - reported, with the other problems
        problems.append(f"widgets: not every widget view rendered within {TIMEOUT_MS} ms ({exc.__class__.__name__})")
        return n_views
    graph = _linked(state)
    for i in range(n_views):
        view = json.loads(views.nth(i).text_content())
        root = views.nth(i).locator("xpath=preceding-sibling::*[1]")
        root.scroll_into_view_if_needed()
        box = root.bounding_box()
        if not box or box["height"] < 5 or box["width"] < 5:
            problems.append(f"widget {i}: rendered with no size ({box})")
            continue
        root.evaluate(JS_SETTLED)
        broken = root.evaluate("r => [...r.querySelectorAll('img')].filter(i => !i.naturalWidth).length")
        if broken:
            problems.append(f"widget {i}: {broken} image(s) did not load")
        order = _walk(state, view["model_id"], [])
        sliders = [m for m in order if (state[m]["view"] or "").endswith("SliderView")]
        plays = [m for m in order if state[m]["view"] == "PlayView"]
        toggles = [m for m in order if state[m]["view"] == "ToggleButtonsView"]
        dom_sliders, dom_plays = root.locator(".widget-slider"), root.locator(".widget-play")
        dom_toggles = root.locator(".widget-toggle-buttons")
        counts = (len(sliders), len(plays), len(toggles))
        if (dom_sliders.count(), dom_plays.count(), dom_toggles.count()) != counts:
            problems.append(f"widget {i}: state has {counts} sliders/Play/ToggleButtons, the page shows "
                            f"{(dom_sliders.count(), dom_plays.count(), dom_toggles.count())}: cannot tell "
                            f"which control is which")
            continue
        for k, model in enumerate(sliders):
            label = dom_sliders.nth(k).locator(".widget-label").inner_text().strip()
            if label != state[model]["description"].strip():
                problems.append(f"widget {i}: slider {k} is labelled {label!r}, its model {state[model]['description']!r}")
        name = f"widget{i}"
        _neutral(page)
        current = shots.widget(root, f"{name}-0-initial")
        linked_sliders = [(k, m) for k, m in enumerate(sliders) if m in graph]
        linked_plays = [(p, m) for p, m in enumerate(plays) if m in graph]
        linked_toggles = [(t, m) for t, m in enumerate(toggles) if m in graph]
        if not linked_sliders and not linked_plays and not linked_toggles:
            print(f"{name}: rendered; no browser-linked control (its controls need a kernel)")
            continue
        step = 1
        for p, model in linked_plays:
            partner = next((k for k, m in linked_sliders if m in graph[model]), None)
            handle = dom_sliders.nth(partner).locator(".noUi-handle").first if partner is not None else None
            failure = _drive_play(page, dom_plays.nth(p), handle, state[model]["interval"])
            _neutral(page)
            if failure:  # nothing moved: no point waiting for the picture to change
                problems.append(f"{name}: Play ({state[model]['description'] or 'play'}): {failure}")
                current, step = shots.widget(root, f"{name}-{step}-after-play{p}-FAILED"), step + 1
                continue
            after, changed, how = shots.changed(page, root, f"{name}-{step}-after-play{p}", current)
            if not changed:
                problems.append(f"{name}: pressing Play ({state[model]['description'] or 'play'}) changed "
                                f"nothing shown ({how})")
            print(f"{name}: Play {p}: {how}")
            current, step = after, step + 1
        for k, model in linked_sliders:
            handle = dom_sliders.nth(k).locator(".noUi-handle").first
            value = handle.get_attribute("aria-valuenow")
            high = handle.get_attribute("aria-valuemax")
            key = "ArrowRight" if float(value) < float(high) else "ArrowLeft"
            handle.focus()
            for _ in range(SLIDER_STEPS):
                page.keyboard.press(key)
            try:
                page.wait_for_function("([h, v]) => h.getAttribute('aria-valuenow') !== v",
                                       arg=[handle.element_handle(), value], timeout=5_000)
            except Exception:  # noqa: BLE001
                problems.append(f"{name}: slider {state[model]['description']!r} did not move with {key}")
                continue
            moved_to = handle.get_attribute("aria-valuenow")
            _neutral(page)
            after, changed, how = shots.changed(page, root, f"{name}-{step}-after-slider{k}-{value}-to-{moved_to}",
                                                current)
            if not changed:
                problems.append(f"{name}: moving slider {state[model]['description']!r} from {value} to "
                                f"{moved_to} changed nothing shown ({how})")
            print(f"{name}: slider {state[model]['description']!r} {value} -> {moved_to}: {how}")
            current, step = after, step + 1
        for t, model in linked_toggles:
            buttons = dom_toggles.nth(t).locator("button:not(.mod-active)")
            if not buttons.count():
                continue
            label = buttons.first.inner_text().strip()
            buttons.first.click()
            _neutral(page)
            after, changed, how = shots.changed(page, root, f"{name}-{step}-after-toggle{t}", current)
            if not changed:
                problems.append(f"{name}: choosing {label!r} in {state[model]['description']!r} changed nothing "
                                f"shown ({how})")
            print(f"{name}: toggle {state[model]['description']!r} -> {label!r}: {how}")
            current, step = after, step + 1
    return n_views


@pytest.mark.parametrize("page_path", PAGES)
def test_page(page_path, book_html, server_url, browser, cdn, screenshot_dir, whitelisted_seen):
    if page_path is None:
        pytest.fail(f"no chapter pages (chapters/*.html) in {book_html}", pytrace=False)
    stem = Path(page_path).stem
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1,
                                  service_workers="block")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors, http_errors, problems = [], [], []
    page.on("pageerror", lambda exc: errors.append(("pageerror", exc.message, exc.stack or "")))
    page.on("console", lambda msg: msg.type == "error"
            and errors.append(("console", msg.text, (msg.location or {}).get("url", ""))))
    page.on("response", lambda r: r.status >= 400 and http_errors.append(f"{r.status} {r.url}"))
    page.route("**/*", cdn.handle)
    math, n_widgets = None, 0
    try:
        page.goto(f"{server_url}/{page_path}", wait_until="load")
        math = _check_math(page, problems)
        n_widgets = _check_widgets(page, _Shots(screenshot_dir / stem), problems)
        # The whole page, for a person to look at (JPEG: a chapter is ~20,000 px tall).
        page.screenshot(path=screenshot_dir / f"{stem}.jpg", full_page=True, type="jpeg", quality=70,
                        animations="disabled")
        page.wait_for_timeout(100)  # let late console messages arrive
    except Exception as exc:  # noqa: BLE001 - a timeout or a closed page: report it with the JS errors
        problems.append(f"{exc.__class__.__name__}: {str(exc).strip().splitlines()[0]}")
    finally:
        context.close()
    unexplained = {}
    for kind, text, where in errors:
        known = next((k for k in KNOWN_ERRORS if k.matches(kind, text, where)), None)
        if known:
            whitelisted_seen[known.key] = whitelisted_seen.get(known.key, 0) + 1
        else:
            lines = [ln.strip() for ln in (where or "").strip().splitlines()]
            if lines and text in lines[0]:  # a stack starts with "TypeError: <message>"
                lines = lines[1:]
            key = (kind, text, "\n      ".join(lines[:3]))
            unexplained[key] = unexplained.get(key, 0) + 1
    hints = []
    for (kind, text, detail), count in unexplained.items():
        problems.append(f"JS {kind}{f' (x{count})' if count > 1 else ''}: {text}"
                        + (f"\n      {detail}" if detail else ""))
        hints += [hint for pattern, where, hint in HINTS
                  if re.search(pattern, text) and re.search(where, detail) and hint not in hints]
    problems += [f"HINT: {hint}" for hint in hints]
    problems += [f"CDN URL with no local copy: {url} ({why})" for url, why in cdn.unmatched]
    problems += [f"request to the network refused: {url}" for url in cdn.blocked]
    maths = f"{math['n_containers']} math containers" if math else "no MathJax"
    print(f"{stem}: {maths}, {n_widgets} widget views, "
          f"{len(cdn.served)} CDN files served locally, {time.monotonic() - started:.1f} s; "
          f"{len(http_errors)} HTTP error responses")
    if problems:
        pytest.fail(f"{page_path}:\n  " + "\n  ".join(problems), pytrace=False)
