"""Notebook housekeeping for the book's chapters.

    python tools/notebooks.py clean chapters/*.ipynb
        Strip outputs and execution counts, except the small text outputs (and
        the execution counts) of cells tagged ``nbval-check-output``, the ones
        nbval compares.
    python tools/notebooks.py student chapters student
        Write a student copy of every chapter: solution blocks (from a
        ``{solution-start}`` cell to its ``{solution-end}`` cell) are removed and
        so are cells tagged ``solution``; every output is cleared.

Only the standard library is used, so this runs anywhere the notebooks do.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

CHECKED = "nbval-check-output"
TEXT_MIMES = ("text/plain",)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _dump(notebook: dict, path: Path) -> None:
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _tags(cell: dict) -> list:
    return cell.get("metadata", {}).get("tags", [])


def _text_outputs(outputs: list) -> list:
    kept = []
    for output in outputs:
        if output.get("output_type") == "stream":
            kept.append(output)
        elif output.get("output_type") in ("execute_result", "display_data"):
            data = {k: v for k, v in output.get("data", {}).items() if k in TEXT_MIMES}
            if data:
                kept.append({**output, "data": data, "metadata": {}})
    return kept


def clean(notebook: dict) -> dict:
    for cell in notebook["cells"]:
        if notebook.get("nbformat_minor", 0) >= 5 and "id" not in cell:
            cell["id"] = uuid.uuid4().hex[:8]  # nbformat 4.5 requires one; keep existing ones stable
        if cell["cell_type"] != "code":
            continue
        cell.get("metadata", {}).pop("execution", None)  # timestamps: noise in every diff
        if CHECKED in _tags(cell):
            # nbval refuses a cell that has outputs but no execution count, so the
            # cells it compares keep theirs.
            cell["outputs"] = _text_outputs(cell.get("outputs", []))
            if cell.get("execution_count") is None:
                cell["execution_count"] = 1
            for output in cell["outputs"]:
                if "execution_count" in output:
                    output["execution_count"] = cell["execution_count"]
        else:
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def student_version(notebook: dict) -> dict:
    cells, inside = [], False
    for cell in notebook["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "markdown" and "{solution-start}" in text:
            inside = True
        if not inside and "solution" not in _tags(cell):
            cells.append(cell)
        if cell["cell_type"] == "markdown" and "{solution-end}" in text:
            if not inside:
                raise ValueError("a {solution-end} cell without its {solution-start}")
            inside = False
    if inside:
        raise ValueError("a {solution-start} cell without its {solution-end}")
    notebook["cells"] = cells
    for cell in cells:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return notebook


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "clean":
        for name in argv[1:]:
            path = Path(name)
            _dump(clean(_load(path)), path)
        return 0
    if len(argv) == 3 and argv[0] == "student":
        source, target = Path(argv[1]), Path(argv[2])
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(source.glob("*.ipynb")):
            _dump(student_version(_load(path)), target / path.name)
            print(f"{target / path.name}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
