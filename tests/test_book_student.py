"""make book-student: the student website holds no solution, no instructor notebook, no hidden check.

The full build runs on a sample chapter (the cheapest with code exercises); set
COURSEWORK_ALL_CHAPTERS=1 to build the student site of every chapter of _toc.yml.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("otter", reason="the instructor extra is not installed: make coursework-test installs "
                                    "requirements-otter.txt and runs these tests")

import test_assign  # noqa: E402
from coursework.book_student import (  # noqa: E402
    _toc_without, build, solution_fragments, solution_leaks, toc_chapters, with_chapter_outputs)
from coursework.markup import parse_notebook  # noqa: E402
from coursework.notebooks import cell_source, read_notebook  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "00_fixture.ipynb"
CHAPTERS = toc_chapters() if os.environ.get("COURSEWORK_ALL_CHAPTERS") else test_assign.SAMPLE


def test_solution_fragments_are_found_where_a_solution_is_and_only_there(tmp_path):
    fragments = solution_fragments(read_notebook(FIXTURE))
    assert "return float(np.mean(v * v))" in fragments
    assert not any("square(3) should be 9" in f for f in fragments), "check cells are not solutions"
    (tmp_path / "leak.html").write_text("<p>Either <span>x</span> and <code>return float(np.mean(v * v))</code></p>",
                                        encoding="utf-8")
    (tmp_path / "clean.html").write_text("<p>Define <code>mean_square(v)</code></p>", encoding="utf-8")
    leaks = solution_leaks(tmp_path, [FIXTURE])
    assert leaks and all(leak.startswith("leak.html") for leak in leaks), leaks


def test_student_pages_keep_the_chapter_outputs_except_in_exercises():
    chapter = read_notebook(FIXTURE)
    student = read_notebook(FIXTURE)
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    chapter.cells[1].outputs = [{"output_type": "stream", "name": "stdout", "text": "sum of the values: 2.0\n"}]
    checked = parse_notebook(chapter).get("ex-00-square").check_cell
    chapter.cells[checked].outputs = [{"output_type": "stream", "name": "stdout", "text": "all checks passed\n"}]
    result = with_chapter_outputs(student, chapter)
    assert result.cells[1].outputs and not result.cells[checked].outputs


def test_the_student_toc_leaves_out_the_instructor_guide_and_unbuilt_chapters():
    toc = {"root": "intro", "parts": [{"chapters": [{"file": "chapters/01_a"}, {"file": "chapters/02_b"}]},
                                      {"chapters": [{"file": "instructor_guide"}]}]}
    assert _toc_without(toc, {"chapters/02_b"}) == {"root": "intro", "parts": [{"chapters": [{"file": "chapters/02_b"}]}]}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if not CHAPTERS:
        pytest.skip("no chapter to build")
    work = tmp_path_factory.mktemp("student-book")
    return build(CHAPTERS, work / "html", work / "src")


def test_student_site_has_no_solution_no_hidden_check_and_student_downloads(site):
    assert solution_leaks(site, CHAPTERS) == []
    assert not (site / "instructor_guide.html").exists()
    for chapter in CHAPTERS:
        page = site / "chapters" / f"{chapter.stem}.html"
        assert page.is_file()
        download = json.loads((site / "_sources" / "chapters" / f"{chapter.stem}.ipynb").read_text(encoding="utf-8"))
        text = "\n".join(cell_source(cell) for cell in download["cells"])
        assert "# YOUR CODE HERE\nraise NotImplementedError" in text and "BEGIN SOLUTION" not in text
        assert "Type your answer here" in text or not any(
            e.kind == "explain" for e in parse_notebook(read_notebook(chapter)).exercises)
    every_file = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*")
                           if p.is_file() and p.suffix in {".html", ".ipynb", ".js", ".txt", ".md"})
    assert "check_ex_" not in every_file and "sample_hidden_checks" not in every_file
