"""tools/nbval_keep.py: what nbval ran becomes the build's cached run, and nothing else does."""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import nbval_keep  # noqa: E402


def _notebook(*sources):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# A chapter")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return notebook


def _outputs(notebook, *per_cell):
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    return {id(cell): outs for cell, outs in zip(code, per_cell)}


STREAM = nbformat.v4.new_output("stream", name="stdout", text="ln p = -1130.26\n")
PLAYER = nbformat.v4.new_output(
    "display_data",
    data={
        "text/plain": "<EM explorer: 21 frames>",
        "text/html": "<div class='mixlib-player'></div>",
        nbval_keep.WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0},
    },
)


def test_outputs_are_kept_in_order_and_the_widget_view_gives_way_to_the_static_player():
    notebook = _notebook("print(ll)", "explorer")
    executed = nbval_keep.executed_notebook(notebook, _outputs(notebook, [STREAM], [PLAYER]))
    first, second = (cell for cell in executed.cells if cell.cell_type == "code")
    assert first.outputs == [STREAM] and first.execution_count == 1
    assert set(second.outputs[0]["data"]) == {"text/plain", "text/html"}
    assert second.execution_count == 2
    assert nbval_keep.WIDGET_VIEW in PLAYER["data"], "the kernel's output itself is not changed"
    assert all(cell.outputs == [] for cell in notebook.cells if cell.cell_type == "code")


def test_a_notebook_with_a_cell_that_did_not_run_is_not_kept():
    notebook = _notebook("x = 1", "print(x)")
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert nbval_keep.executed_notebook(notebook, {id(code[0]): []}) is None


def test_the_cache_holds_only_notebooks_whose_code_is_the_chapters(tmp_path):
    pytest.importorskip("jupyter_cache")
    from jupyter_cache import get_cache

    chapters, kept, cache = tmp_path / "chapters", tmp_path / "kept", tmp_path / "cache"
    chapters.mkdir()
    kept.mkdir()
    same, changed = _notebook("print(ll)"), _notebook("print(ll)")
    nbformat.write(same, chapters / "a.ipynb")
    nbformat.write(_notebook("print(ll + 1)"), chapters / "b.ipynb")  # edited after nbval ran it
    for name, notebook in (("a.ipynb", same), ("b.ipynb", changed), ("c.ipynb", same)):  # c: no chapter
        nbformat.write(nbval_keep.executed_notebook(notebook, _outputs(notebook, [STREAM])), kept / name)
    (cache / "stale").mkdir(parents=True)

    assert nbval_keep.fill_cache(kept, chapters, cache) == ["a.ipynb"]
    assert not (cache / "stale").exists(), "an earlier run's cache is emptied first"
    store = get_cache(str(cache))
    _, merged = store.merge_match_into_notebook(nbformat.read(chapters / "a.ipynb", as_version=4))
    assert [cell.outputs for cell in merged.cells if cell.cell_type == "code"] == [[STREAM]]
    with pytest.raises(KeyError):
        store.match_cache_notebook(nbformat.read(chapters / "b.ipynb", as_version=4))
