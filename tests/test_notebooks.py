"""The notebook tool (clean, student version) and the conventions every chapter keeps."""

import copy
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import notebooks  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def _code(source, tags=(), outputs=(), count=None):
    return {
        "cell_type": "code",
        "source": source,
        "metadata": {"tags": list(tags)},
        "outputs": list(outputs),
        "execution_count": count,
    }


def _markdown(source):
    return {"cell_type": "markdown", "source": source, "metadata": {}}


PNG = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}, "metadata": {}}
TEXT = {"output_type": "stream", "name": "stdout", "text": "log-likelihood -1130.2640\n"}


def test_clean_keeps_only_the_text_outputs_nbval_compares():
    timed = _code("print(1)", outputs=[TEXT], count=2)
    timed["metadata"]["execution"] = {"iopub.execute_input": "2026-11-22T20:23:08Z"}
    assert "execution" not in notebooks.clean({"cells": [timed], "metadata": {}})["cells"][0]["metadata"]
    notebook = {
        "cells": [
            _code("plot()", outputs=[PNG], count=3),
            _code("print(ll)", tags=["nbval-check-output"], outputs=[TEXT, PNG], count=4),
        ],
        "metadata": {"widgets": {"state": {}}},
    }
    cleaned = notebooks.clean(copy.deepcopy(notebook))
    plain, checked = cleaned["cells"]
    assert plain["outputs"] == [] and plain["execution_count"] is None
    assert checked["outputs"][0] == TEXT
    assert checked["outputs"][1]["data"] == {"text/plain": "<Figure>"}
    assert checked["execution_count"] == 4  # nbval needs a count on a cell with outputs
    assert "widgets" not in cleaned["metadata"]


def test_student_version_removes_solution_blocks_and_outputs():
    notebook = {
        "cells": [
            _markdown("```{exercise-start}\n:label: ex-a\n```\nWrite it."),
            _code("def f():\n    raise NotImplementedError", outputs=[TEXT], count=1),
            _markdown("```{exercise-end}\n```"),
            _markdown("```{solution-start} ex-a\n:class: dropdown\n```"),
            _code("def f():\n    return 1", tags=["solution"]),
            _markdown("```{solution-end}\n```"),
            _code("secret = 1", tags=["solution"]),
            _markdown("After."),
        ],
        "metadata": {},
    }
    student = notebooks.student_version(copy.deepcopy(notebook))
    sources = [cell["source"] for cell in student["cells"]]
    assert sources == [notebook["cells"][i]["source"] for i in (0, 1, 2, 7)]
    assert student["cells"][1]["outputs"] == [] and student["cells"][1]["execution_count"] is None


@pytest.mark.parametrize(
    "cells",
    [
        [_markdown("```{solution-start} ex-a\n```")],
        [_markdown("```{solution-end}\n```")],
    ],
)
def test_student_version_rejects_unbalanced_solution_markers(cells):
    with pytest.raises(ValueError, match="solution"):
        notebooks.student_version({"cells": cells, "metadata": {}})


def _source(cell):
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_follows_the_book_conventions(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    tags = [cell.get("metadata", {}).get("tags", []) for cell in cells]
    # committed clean: outputs only where nbval compares them, no execution timestamps
    for cell, cell_tags in zip(cells, tags):
        assert "execution" not in cell.get("metadata", {}), f"{path.name}: run tools/notebooks.py clean"
        if cell["cell_type"] == "code" and "nbval-check-output" not in cell_tags:
            assert cell["outputs"] == [], f"{path.name}: a cell carries outputs: {_source(cell)[:60]!r}"
    assert any("nbval-check-output" in t for t in tags), f"{path.name}: no cell whose output nbval compares"
    text = "\n".join(_source(cell) for cell in cells)
    exercises = re.findall(r"\{exercise-start\}\s*\n:label: (\S+)", text)
    solutions = re.findall(r"\{solution-start\} (\S+)", text)
    assert len(exercises) >= 2, f"{path.name}: fewer than two exercises"
    assert set(exercises) <= set(solutions), f"{path.name}: an exercise without a solution"
    assert re.search(r"raise NotImplementedError", text), f"{path.name}: no coding exercise stub"
    assert re.search(r"\bcheck_\w+\(", text), f"{path.name}: no exercise checker is called"
    assert "set_title" not in text, f"{path.name}: titles belong in captions"
    # A reader's environment is requirements.txt: the test-only tools are not in it.
    test_only = re.findall(r"^\s*(?:import|from)\s+(sklearn|hypothesis|playwright)\b", text, re.M)
    assert not test_only, f"{path.name}: imports {test_only}, which requirements.txt does not install"
    student = notebooks.student_version(copy.deepcopy(notebook))
    assert "{solution-start}" not in "\n".join(_source(c) for c in student["cells"])


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_student_version_runs_and_reports_unfinished_exercises(path, tmp_path):
    """The notebooks handed out without solutions run from top to bottom: nothing in them
    depends on a solution cell, and every check cell answers a stub with feedback."""
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    notebook = notebooks.student_version(json.loads(path.read_text(encoding="utf-8")))
    node = nbformat.reads(json.dumps(notebook), as_version=4)
    nbclient.NotebookClient(
        node, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    printed = "\n".join(
        output.get("text", "") or "".join(output.get("data", {}).get("text/plain", ""))
        for cell in node.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "not implemented yet" in printed, f"{path.name}: no check cell reported an unfinished exercise"
