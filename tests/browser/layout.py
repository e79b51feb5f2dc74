"""Layout and accessibility checks of a loaded page, run by ``test_pages.test_page``.

The page test loads each chapter once and runs these on it, in light mode at 1280 px, then
switched to the reader's dark preference, then at 390 px (a phone) in both modes:

1. **Display formulas fit the text column at 1280 px.** A formula whose natural width
   is larger than its box (the text column, less the equation number) is reported with
   its number or label and its TeX, so that the chapter can break it (``aligned``,
   ``split``, a shorter name); ``_static/pages.css`` lets such a formula scroll inside
   its own box, so that nothing is ever cut off, with the hidden side faded out as the
   cue that it scrolls. Equation numbers never overlap the visible part of their formula.
2. **At 390 px the page is never wider than the screen**: no element of the article
   reaches past the right edge of the viewport unless it sits in a box that scrolls by
   itself (a code cell, a long formula). The formulas that scroll at that width are
   counted, not failed, and each one that scrolls shows the faded edge that says so.
3. **axe-core** (``tests/browser/node_modules/axe-core``, injected into the page)
   reports no violation of impact *critical* or *serious* with its default rules plus
   ``label-content-name-mismatch`` (a control whose visible text is not part of its
   accessible name), in light mode; in dark mode it runs colour contrast again, the
   only rule the mode changes.
4. **Formulas are not Tab stops** (``mathjax3_config`` in ``_config.yml``): no
   ``mjx-container`` is focusable with Tab.
5. **The page follows the reader's colour scheme** (``prefers-color-scheme``).

Screenshots of the top of the page at 1280 px and at 390 px, in each mode, are saved
under ``_build/browser-screenshots/<page>/`` (the whole page at 390 px with
``BROWSER_SCREENSHOTS=full``).
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCHEMES = ("light", "dark")
#: axe impacts that fail a page.
FAILING_IMPACTS = ("critical", "serious")
#: Whole pages (slow: a chapter is 30,000 px tall at 390 px) with BROWSER_SCREENSHOTS=full,
#: else the top of each page.
FULL_SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS") == "full"
TIMEOUT_MS = 20_000

# ---------------------------------------------------------------------------
# In the page

JS_EQUATIONS = """() => {
  const tex = new Map();
  try {
    for (const item of MathJax.startup.document.math) {
      if (item.typesetRoot) tex.set(item.typesetRoot, item.math);
    }
  } catch (e) { /* no MathJax document: TeX unknown */ }
  const area = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left))
                       * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const wide = [], overlapping = [], uncued = [];
  let n = 0, scrolling = 0;
  for (const box of document.querySelectorAll('.bd-article div.math')) {
    const container = box.querySelector('mjx-container[display="true"]');
    const math = container && container.querySelector(':scope > mjx-math');
    if (!math) continue;
    n += 1;
    const eqno = box.querySelector(':scope > span.eqno');
    const style = getComputedStyle(box);
    const inner = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const numberWidth = eqno ? eqno.getBoundingClientRect().width : 0;
    const natural = math.getBoundingClientRect().width;
    const label = eqno ? eqno.textContent.replace(/[\\s\\u00b6#]+$/g, '').trim() : (box.id || '(unnumbered)');
    const what = {label, id: box.id || '', width: Math.round(natural), room: Math.round(inner - numberWidth),
                  tex: (tex.get(container) || container.textContent).replace(/\\s+/g, ' ').trim().slice(0, 100)};
    if (natural > inner - numberWidth + 0.5) wide.push(what);
    if (container.scrollWidth > container.clientWidth + 1) {
      scrolling += 1;
      // The cue that it scrolls: pages.js marks the hidden side, pages.css fades it.
      if (!/pages-more-(left|right)/.test(container.className)) uncued.push(what);
    }
    if (eqno) {
      // What of the formula is visible: clipped by its container when that scrolls.
      let shown = math.getBoundingClientRect();
      if (getComputedStyle(container).overflowX !== 'visible') {
        const clip = container.getBoundingClientRect();
        shown = {left: Math.max(shown.left, clip.left), right: Math.min(shown.right, clip.right),
                 top: Math.max(shown.top, clip.top), bottom: Math.min(shown.bottom, clip.bottom)};
      }
      if (area(shown, eqno.getBoundingClientRect()) > 1) overlapping.push(what);
    }
  }
  return {n, wide, overlapping, scrolling, uncued};
}"""

# Elements of the article that reach past the viewport's right edge, outside any box
# that scrolls by itself. A formula is one element (its MathJax nodes are not visited).
JS_TOO_WIDE = """() => {
  const limit = window.innerWidth + 1;
  const root = document.querySelector('.bd-article') || document.body;
  const found = [];
  const walk = (el) => {
    for (const child of el.children) {
      const style = getComputedStyle(child);
      if (style.display === 'none') continue;
      let r = child.getBoundingClientRect();
      const formula = child.tagName.toLowerCase() === 'mjx-container';
      if (formula && !['auto', 'scroll', 'hidden'].includes(style.overflowX)) {
        const math = child.querySelector(':scope > mjx-math');  // what overflows a formula's box
        if (math) r = math.getBoundingClientRect();
      }
      if (r.right > limit && r.width > 0) {
        found.push(child);
      }
      if (formula) continue;
      if (['auto', 'scroll'].includes(style.overflowX) && r.right <= limit) continue;
      walk(child);
    }
  };
  walk(root);
  // Report the innermost culprits only.
  const leaves = found.filter(e => !found.some(o => o !== e && e.contains(o)));
  const describe = (e) => {
    const cls = (typeof e.className === 'string' ? e.className : '').trim().split(/\\s+/).slice(0, 3).join('.');
    const text = (e.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 70);
    const right = Math.round(e.getBoundingClientRect().right);
    return `${e.tagName.toLowerCase()}${cls ? '.' + cls : ''} (right edge ${right} px): ${text}`;
  };
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          bodyScrollWidth: document.body.scrollWidth, culprits: leaves.slice(0, 8).map(describe),
          n: leaves.length};
}"""

JS_MATH_TAB_STOPS = """() => [...document.querySelectorAll('mjx-container')].filter(c => c.tabIndex >= 0
    && c.getAttribute('tabindex') !== null).length"""

JS_AXE = """async (only) => {
  const options = only ? {resultTypes: ['violations'], runOnly: only}
                       : {resultTypes: ['violations'], rules: {'label-content-name-mismatch': {enabled: true}}};
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, n: v.nodes.length,
    nodes: v.nodes.slice(0, 4).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                           summary: (n.failureSummary || '').split('\\n')[1] || ''})),
  }));
}"""


def _describe(eq):
    where = eq["label"] if eq["label"].startswith("(") else (eq["id"] or eq["label"])
    return f"{where}: {eq['width']} px in {eq['room']} px: {eq['tex']}"


# ---------------------------------------------------------------------------


def _axe(page, only=None):
    """axe-core's violations, run on the page as it is (injected once)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(JS_AXE, only)


def _check_axe(page, scheme, problems, summary):
    # Only colours change with the mode: the other rules run once, in light mode.
    violations = _axe(page, None if scheme == "light" else ["color-contrast"])
    counts = {impact: sum(v["n"] for v in violations if v["impact"] == impact) for impact in FAILING_IMPACTS}
    summary[f"axe {scheme}"] = f"{counts['critical']} critical/{counts['serious']} serious" + (
        f"/{sum(v['n'] for v in violations) - sum(counts.values())} other"
    )
    for v in violations:
        if v["impact"] in FAILING_IMPACTS:
            nodes = "; ".join(f"{n['target']} {n['summary'].strip()}".strip() for n in v["nodes"])
            problems.append(f"axe {scheme} {v['impact']} {v['id']} ({v['n']} nodes: {v['help']}): {nodes}")


def _check_scheme(page, scheme, problems):
    try:
        page.wait_for_function("(s) => document.documentElement.dataset.theme === s", arg=scheme, timeout=5_000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError
        problems.append(f"theme: the page does not follow a reader who prefers {scheme}")


def check_wide(page, problems, summary):
    """At 1280 px, in light mode, once MathJax has typeset the page: formulas that do not
    fit, equation numbers over formulas, formulas that are Tab stops; then axe-core."""
    _check_scheme(page, "light", problems)
    eqs = page.evaluate(JS_EQUATIONS)
    summary["equations"] = eqs["n"]
    summary["wide at 1280"] = len(eqs["wide"])
    for eq in eqs["wide"]:
        problems.append(f"equation wider than the column at 1280 px, {_describe(eq)}")
    for eq in eqs["overlapping"]:
        problems.append(f"equation number over its formula at 1280 px, {_describe(eq)}")
    tab_stops = page.evaluate(JS_MATH_TAB_STOPS)
    summary["math tab stops"] = tab_stops
    if tab_stops:
        problems.append(f"keyboard: {tab_stops} formulas are Tab stops (mathjax3_config in _config.yml)")
    _check_axe(page, "light", problems, summary)


def check_modes(page, shots: Path, problems, summary, screenshot_players):
    """After ``check_wide`` (1280 px, light): the top of the page screenshot; 390 px in
    light mode (the page no wider than the screen, equation numbers, the cue on scrolling
    formulas); then the reader's dark preference, at 390 px (the same checks) and at
    1280 px (axe's colour contrast again). The scheme is switched once, as a reader's
    system does. ``screenshot_players(label)`` is called in each of the three views after
    the first."""
    shots.mkdir(parents=True, exist_ok=True)
    # The theme fades colours over a fraction of a second when the scheme changes: the
    # checks and the pictures are of the colours it settles on.
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    page.screenshot(path=shots / "page-1280-light.png", animations="disabled")
    page.set_viewport_size({"width": 390, "height": 844})
    _check_narrow(page, "light", shots, problems, summary)
    screenshot_players("390-light")
    page.emulate_media(color_scheme="dark")
    _check_scheme(page, "dark", problems)
    _check_narrow(page, "dark", shots, problems, summary)
    screenshot_players("390-dark")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_timeout(200)
    _check_axe(page, "dark", problems, summary)
    page.screenshot(path=shots / "page-1280-dark.png", animations="disabled")
    screenshot_players("1280-dark")


def _check_narrow(page, scheme, shots, problems, summary):
    page.wait_for_timeout(200)
    narrow = page.evaluate(JS_TOO_WIDE)
    eqs_narrow = page.evaluate(JS_EQUATIONS)
    summary["scrolling at 390"] = eqs_narrow["scrolling"]
    summary[f"page width at 390 {scheme}"] = narrow["scrollWidth"]
    if narrow["scrollWidth"] > narrow["innerWidth"] or narrow["n"]:
        problems.append(
            f"phone ({scheme}): the page is {narrow['scrollWidth']} px wide at 390 px; "
            f"{narrow['n']} elements reach past the edge: " + " | ".join(narrow["culprits"])
        )
    for eq in eqs_narrow["overlapping"]:
        problems.append(f"equation number over its formula at 390 px, {_describe(eq)}")
    for eq in eqs_narrow["uncued"]:
        problems.append(f"a formula scrolls at 390 px with no faded edge to say so, {_describe(eq)}")
    page.screenshot(
        path=shots / f"page-390-{scheme}.jpg",
        full_page=FULL_SCREENSHOTS,
        type="jpeg",
        quality=60,
        animations="disabled",
    )
