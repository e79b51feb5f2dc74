"""A static page's explorer: pre-rendered frames in a small HTML/JS player.

:func:`player_html` writes one self-contained ``<div>``: the first frame as an
``<img>`` with its alt text, Play/Pause, Previous and Next buttons, a labelled
range input whose ``aria-valuetext`` reads like "iteration 3 of 20", an
``aria-live`` status that announces the frame, and the frames themselves as
JSON.  The script and style sheet (``player.js``, ``player.css``, a few kB)
are inlined, so the page needs no widget manager and nothing from a CDN.
Without JavaScript the controls stay hidden and the first frame is a plain
picture: nothing looks like a control that does nothing.

Used as a Sphinx extension (``mixlib.player`` in the book's
``extra_extensions``), it makes every kernel the build starts emit only this
static form (:data:`STATIC_ENV`), so the built pages hold no widget state and
load no widget library.  In Jupyter the explorers stay live ipywidgets.
"""

from __future__ import annotations

import html
import itertools
import json
import os
from dataclasses import dataclass
from importlib import resources
from urllib.parse import quote

__all__ = ["STATIC_ENV", "PlayerFrame", "is_static", "player_html", "setup"]

#: Set to "1" in a kernel's environment, explorers display only their static player.
STATIC_ENV = "MIXLIB_STATIC_EXPLORERS"
_ids = itertools.count()


@dataclass(frozen=True)
class PlayerFrame:
    """One picture of a run: the encoded image, its type and what it shows in words."""

    image: bytes
    mime: str
    alt: str

    def data_uri(self) -> str:
        if self.mime == "image/svg+xml":
            # Percent-encode only what a data URI needs: the text stays text, which
            # gzip compresses far better than base64.
            text = self.image.decode("utf-8")
            text = text[text.index("<svg") :]
            return "data:image/svg+xml," + quote(text, safe=" !$&'()*+,-./:;=?@_~\"<>[]{}|^`")
        import base64

        return f"data:{self.mime};base64," + base64.b64encode(self.image).decode("ascii")


def is_static() -> bool:
    """True in a kernel started by the book's build (see :func:`setup`)."""
    return os.environ.get(STATIC_ENV) == "1"


def player_html(
    variants,
    *,
    title: str,
    step: str,
    note: str = "",
    choice_label: str = "",
    interval_ms: int = 700,
    width: int | None = None,
    height: int | None = None,
) -> str:
    """The player for ``variants``: a list of (label, [PlayerFrame, ...]) with the same
    number of frames each.  One variant needs no label; with two or more the reader
    picks one with radio buttons named by ``choice_label``, and the frame index is kept.

    ``step`` names a frame ("iteration"), ``title`` names the whole explorer for
    assistive technology, ``note`` is a sentence shown below it."""
    variants = [(label, list(frames)) for label, frames in variants]
    if not variants or not variants[0][1]:
        raise ValueError("variants must hold at least one (label, frames) pair with at least one frame.")
    n = len(variants[0][1])
    if any(len(frames) != n for _, frames in variants):
        raise ValueError(f"every variant must have the same number of frames ({n}).")
    uid = f"mixlib-player-{os.getpid()}-{next(_ids)}"
    data = {
        "step": step,
        "interval": int(interval_ms),
        "variants": [
            {"label": label, "frames": [{"src": f.data_uri(), "alt": f.alt} for f in frames]}
            for label, frames in variants
        ],
    }
    # "</" would end the <script> element early.
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    first = variants[0][1][0]
    e = html.escape
    size = f' width="{width}" height="{height}"' if width and height else ""
    choice = ""
    if len(variants) > 1:
        radios = "".join(
            f'<label><input type="radio" name="{uid}-variant" value="{k}"{" checked" if k == 0 else ""}> '
            f"{e(label)}</label>"
            for k, (label, _) in enumerate(variants)
        )
        choice = f"<fieldset><legend>{e(choice_label)}</legend>{radios}</fieldset>"
    return (
        f'<div class="mixlib-player" id="{uid}" role="group" aria-label="{e(title)}">'
        f"<style>{_asset('player.css')}</style>"
        f'<figure><img src="{e(first.data_uri())}" alt="{e(first.alt)}"{size}></figure>'
        f'<div class="mixlib-player-controls" hidden>'
        f'<button type="button" class="mixlib-player-play" aria-pressed="false">'
        f'<span aria-hidden="true">▶ </span><span class="mixlib-player-label">Play</span></button>'
        f'<button type="button" class="mixlib-player-prev"><span aria-hidden="true">◀ </span>Previous</button>'
        f'<button type="button" class="mixlib-player-next">Next<span aria-hidden="true"> ▶</span></button>'
        f'<span class="mixlib-player-range"><label for="{uid}-slider">{e(step)}</label>'
        f'<input type="range" id="{uid}-slider" min="0" max="{n - 1}" step="1" value="0" '
        f'aria-valuetext="{e(step)} 0 of {n - 1}"></span>'
        f"{choice}</div>"
        f'<p class="mixlib-player-status" aria-live="polite">{e(first.alt)}</p>'
        + (f'<p class="mixlib-player-note">{e(note)}</p>' if note else "")
        + f'<script type="application/json" class="mixlib-player-data">{payload}</script>'
        f"<script>{_asset('player.js')}</script>"
        "</div>"
    )


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def setup(app):
    """Sphinx entry point: the kernels this build starts inherit :data:`STATIC_ENV`,
    and each page loads every script once."""
    os.environ[STATIC_ENV] = "1"
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of identical <script>s. An extension registering its inline
    configuration once per read phase adds it twice, and a repeated ``const``
    declaration throws in the browser."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        # An inline script's filename is None or "", depending on how it was added.
        key = (
            str(getattr(script, "filename", script) or ""),
            tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept
