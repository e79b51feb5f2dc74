/* Small repairs of the theme's controls, and printing with or without the solutions.
 *
 * Accessible names: a control's name must contain the text it shows (WCAG 2.5.3), so
 * that a reader using speech input can say what they see. The theme names its search
 * buttons "Search" while they show "Search Ctrl+K", its colour-mode button "Color mode"
 * while it shows the current mode's icon (titled "Light", "Dark" or "System Settings"),
 * and its folded code cells "Toggle hidden content" while they show "Show code cell
 * source". */
(function () {
  "use strict";
  // A printed output whose lines line up columns with runs of spaces is a table or an
  // array: wrapping it would break the columns, so it keeps its lines (pages.css).
  function columns() {
    document.querySelectorAll("div.cell_output pre").forEach(function (pre) {
      var lines = pre.textContent.split("\n").filter(function (l) { return l.trim(); });
      var aligned = lines.filter(function (l) { return /\S {2,}\S/.test(l); }).length;
      if (lines.length >= 2 && aligned >= Math.max(2, lines.length / 3)) {
        pre.classList.add("pages-columns");
      }
    });
  }
  // A display formula wider than its box scrolls: mark the side(s) where more of it is
  // hidden, which pages.css fades out, as the cue that it scrolls.
  function edges(box) {
    var more = box.scrollWidth - box.clientWidth;
    box.classList.toggle("pages-more-left", more > 1 && box.scrollLeft > 1);
    box.classList.toggle("pages-more-right", more > 1 && box.scrollLeft < more - 1);
  }
  function formulas() {
    var boxes = document.querySelectorAll('div.math > mjx-container[display="true"]');
    var resized = window.ResizeObserver ? new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { edges(entry.target); });
    }) : null;
    boxes.forEach(function (box) {
      edges(box);
      box.addEventListener("scroll", function () { edges(box); }, {passive: true});
      if (resized) { resized.observe(box); }
    });
  }
  function whenTypeset() {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise.then(formulas);
    } else if (document.querySelector("div.math")) {
      window.setTimeout(whenTypeset, 200);
    }
  }
  // The bibliography is a list (role="list") whose entries carry DPUB's
  // role="doc-biblioentry", deprecated in DPUB-ARIA 1.1 and not a list item to
  // assistive technology: a list of items without items. Each entry becomes a listitem.
  function bibliography() {
    document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]').forEach(function (entry) {
      entry.setAttribute("role", "listitem");
    });
  }
  function names() {
    columns();
    bibliography();
    whenTypeset();
    document.querySelectorAll("button.search-button__button[aria-label]").forEach(function (b) {
      b.removeAttribute("aria-label");  // the name comes from the visible "Search Ctrl+K"
      b.setAttribute("aria-keyshortcuts", "Control+K");
    });
    document.querySelectorAll('summary[aria-label="Toggle hidden content"]').forEach(function (s) {
      s.removeAttribute("aria-label");  // the name comes from "Show code cell source"
    });
    var html = document.documentElement;
    function modeLabel() {
      var mode = html.dataset.mode || "auto";
      document.querySelectorAll("button.theme-switch-button").forEach(function (b) {
        var icon = b.querySelector('[data-mode="' + mode + '"]');
        var title = icon && (icon.getAttribute("title") || (icon.querySelector("title") || {}).textContent);
        b.setAttribute("aria-label", "Color mode: " + (title || mode));
      });
    }
    modeLabel();
    new MutationObserver(modeLabel).observe(html, {attributes: true, attributeFilter: ["data-mode"]});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", names);
  } else {
    names();
  }
})();

/* Printing for the instructor: open a page with ?solutions (or #solutions) and the
 * solutions are shown, unfolded, on screen and in print; without it a printed page
 * leaves them out (pages.css). tools/pdf.py prints the instructor's book this way. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  if (!params.has("solutions") && window.location.hash !== "#solutions") {
    return;
  }
  document.documentElement.classList.add("pages-solutions");
  function unfold() {
    document.querySelectorAll("div.solution.toggle-hidden").forEach(function (box) {
      box.classList.remove("toggle-hidden");
      var button = box.querySelector("button.toggle-button");
      if (button) {
        button.classList.remove("toggle-button-hidden");
        button.setAttribute("aria-expanded", "true");
      }
    });
  }
  if (document.readyState === "complete") {
    unfold();
  } else {
    window.addEventListener("load", unfold);
  }
})();
