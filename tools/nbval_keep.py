"""A pytest plugin: keep the notebooks nbval executes, so that the book's build need not run them again.

    python -m pytest -p tools.nbval_keep --nbval-lax --nbval-current-env chapters --nbval-keep _build/nbval

writes every notebook all of whose code cells nbval ran, each without an error, to
``_build/nbval/<name>.ipynb`` with the outputs its kernel produced. Then

    python tools/nbval_keep.py _build/nbval chapters _build/.jupyter_cache

empties the jupyter-cache that the build reads (``execute_notebooks: cache`` in
``_config.yml``) and stores in it each kept notebook, under its chapter
(``make test`` does both): the chapters run once, in the
test, and the pages show the outputs of that run. A notebook with a failed or a skipped cell
is not kept, so the build executes it itself and reports what fails.

Outputs are kept as the kernel sent them, except an explorer's live widget view: the
build shows the static player every explorer also offers (``text/html``), and a widget
view without the notebook's widget state would be an empty box.

Works under pytest-xdist (``-n 2 --dist loadfile`` keeps each notebook on one worker):
each worker writes the notebooks it ran.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

_runs: dict[str, dict] = {}


def pytest_addoption(parser):
    parser.addoption(
        "--nbval-keep",
        metavar="DIR",
        default=None,
        help="write each notebook whose cells all ran without error, with its outputs, to DIR/<name>.ipynb",
    )


def _is_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell") and hasattr(item.parent, "nb")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if item.config.getoption("nbval_keep") is None or not _is_cell(item):
        return
    report = outcome.get_result()
    path = str(item.parent.path)
    run = _runs.setdefault(path, {"notebook": item.parent.nb, "outputs": {}, "ok": True})
    if report.failed or report.skipped:
        run["ok"] = False
    elif report.when == "call":
        run["outputs"][id(item.cell)] = item.test_outputs


def _kept_output(output):
    output = copy.deepcopy(output)
    if output.get("output_type") in ("display_data", "execute_result"):
        output["data"].pop(WIDGET_VIEW, None)
    return output


def executed_notebook(notebook, outputs):
    """``notebook`` with each code cell's outputs from ``outputs`` (by cell identity), or None
    when a code cell has none recorded (it failed, was skipped or did not run)."""
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if any(id(cell) not in outputs for cell in cells):
        return None
    executed = copy.deepcopy(notebook)
    count = 0
    for cell, original in zip((c for c in executed.cells if c.cell_type == "code"), cells):
        count += 1
        cell.execution_count = count
        cell.outputs = [_kept_output(output) for output in outputs[id(original)] or []]
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = count
    return executed


def pytest_sessionfinish(session):
    directory = session.config.getoption("nbval_keep")
    if directory is None:
        return
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for path, run in _runs.items():
        target = directory / Path(path).name
        executed = executed_notebook(run["notebook"], run["outputs"]) if run["ok"] else None
        if executed is None:
            target.unlink(missing_ok=True)
            continue
        nbformat.write(executed, target)


def fill_cache(kept: Path, chapters: Path, cache_path: Path) -> list[str]:
    """Empty the jupyter-cache at ``cache_path`` and store in it every notebook in ``kept``
    whose chapter (same name in ``chapters``) has the same code: the build then reads
    its outputs instead of executing the chapter. Returns the names stored."""
    import shutil

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    shutil.rmtree(cache_path, ignore_errors=True)
    cache = get_cache(str(cache_path))
    stored = []
    for path in sorted(kept.glob("*.ipynb")):
        source = chapters / path.name
        if not source.is_file():
            continue
        executed = nbformat.read(path, as_version=4)
        original = nbformat.read(source, as_version=4)
        code = [c.source for c in original.cells if c.cell_type == "code"]
        if code != [c.source for c in executed.cells if c.cell_type == "code"]:
            continue  # the chapter changed since nbval ran it: the build executes it
        cache.cache_notebook_bundle(
            CacheBundleIn(executed, str(source.resolve())), check_validity=False, overwrite=True
        )
        stored.append(path.name)
    return stored


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 4:
        sys.exit(__doc__)
    names = fill_cache(*(Path(arg) for arg in sys.argv[1:]))
    print(f"jupyter-cache {sys.argv[3]}: the outputs of nbval's run of {len(names)} notebooks")
