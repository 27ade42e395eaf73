"""The book's structure: every chapter is in the table of contents and was run once, top to bottom."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def toc_files() -> set[str]:
    text = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    return {match.strip().strip("'\"") for match in re.findall(r"file:\s*(\S+)", text)}


def test_toc_entries_exist():
    for entry in toc_files():
        candidates = [ROOT / f"{entry}{suffix}" for suffix in ("", ".md", ".ipynb")]
        assert any(path.is_file() for path in candidates), f"_toc.yml lists {entry}, which does not exist"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.name)
def test_chapter_is_listed_in_toc(notebook):
    assert f"chapters/{notebook.stem}" in toc_files(), f"{notebook.name} is missing from _toc.yml"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.name)
def test_chapter_was_run_once_top_to_bottom_cleanly(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code_cells = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    counts = [cell.get("execution_count") for cell in code_cells]
    assert counts == list(range(1, len(code_cells) + 1)), (
        f"{notebook.name}: execution counts {counts} are not 1..{len(code_cells)}; run `make notebooks`")
    for index, cell in enumerate(code_cells, start=1):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{notebook.name}, code cell {index}: stored error"
            assert output.get("name") != "stderr", (
                f"{notebook.name}, code cell {index}: stored stderr output (a warning?): {''.join(output['text'])[:200]}")


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.name)
def test_chapter_shape(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = nb["cells"]
    first = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown" and first.startswith("# "), f"{notebook.name}: no '# Title' cell"
    sources = "\n".join("".join(cell["source"]) for cell in cells)
    assert "import mlp_utils" in sources or "from mlp_utils" in sources, f"{notebook.name} does not use mlp_utils"
    assert "```{exercise}" in sources or ":::{exercise}" in sources, f"{notebook.name} has no exercises"
    sections = [line for line in sources.splitlines() if line.startswith("## ")]
    assert sections[:1] == ["## Learning goals"], f"{notebook.name}: the first section must be '## Learning goals'"
    assert sections[-2:] == ["## Summary", "## Exercises"], (
        f"{notebook.name}: the last sections must be '## Summary' then '## Exercises', got {sections[-2:]}")


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.name)
def test_every_stored_figure_has_its_image(notebook):
    """A figure stored as text only (e.g. executed with MPLBACKEND=Agg) would vanish from the book."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for index, cell in enumerate((c for c in nb["cells"] if c["cell_type"] == "code"), start=1):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = "".join(data.get("text/plain", ""))
            if text.startswith("<Figure size"):
                assert "image/png" in data, (
                    f"{notebook.name}, code cell {index}: figure stored without its PNG; "
                    "re-run `make notebooks` without MPLBACKEND set")


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.name)
def test_glued_figures_are_not_shown_twice(notebook):
    """A cell that glues a figure for a numbered {glue:figure} must hide its own output in the book
    (tag remove-output), or the reader sees the figure twice."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for index, cell in enumerate((c for c in nb["cells"] if c["cell_type"] == "code"), start=1):
        glued_images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
                        and o.get("metadata", {}).get("scrapbook", {}).get("mime_prefix") == ""]
        if glued_images:
            tags = cell.get("metadata", {}).get("tags", [])
            assert "remove-output" in tags, (
                f"{notebook.name}, code cell {index}: glues a figure but is not tagged remove-output")
