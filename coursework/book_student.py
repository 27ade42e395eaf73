"""Build the student website: the book with every chapter replaced by its student edition.

Usage::

    python -m coursework.book_student [--out _build/student-html] [--work _build/student-book]
                                      [NOTEBOOK ...]     # default: every chapter of _toc.yml
    make book-student

The book's sources are copied into ``--work`` (the chapters' folder excepted); each chapter is
exported with ``coursework.assign`` (no hidden checks needed: none reaches a student notebook)
and its student notebook is written in place of the chapter, with the stored outputs of every
code cell that is not part of an exercise copied from the chapter, so the figures and printed
results are there (the book never executes notebooks). The instructor guide is left out. The
site is built with Jupyter Book into ``--out``, and then searched: any line of any worked
solution found in a page, a page source or a download fails the build (``solution_leaks``).
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml
from nbformat import NotebookNode

from . import CHAPTERS_DIR, REPO_ROOT
from .assign import assign_chapter
from .markup import find_directives, parse_notebook, solution_regions
from .notebooks import NotebookError, cell_source, read_notebook, write_notebook

LEFT_OUT = {"instructor_guide"}  # documents of the book that students do not get
NOT_COPIED = {".git", ".venv", "_build", "chapters", "student", "tests", "coursework", "benchmarks",
              ".ci", ".pytest_cache", "test-artifacts", "mlp_utils.egg-info", "__pycache__"}
_MATH_OR_CODE = re.compile(r"\$[^$]*\$|`[^`]*`")


def _split(notebook: NotebookNode) -> tuple[list[str], list[str]]:
    """(lines of the worked solutions, every other line) of a chapter."""
    inside: list[str] = []
    outside: list[str] = []
    gated = False
    parsed = parse_notebook(notebook)
    for index, cell in enumerate(notebook.cells):
        text = cell_source(cell)
        if cell.cell_type == "markdown":
            lines = text.split("\n")
            state = ["gated" if gated else "open"] * len(lines)
            for directive in find_directives(text):
                block = range(directive.start, directive.end + 1)
                if directive.name == "solution":
                    for number in block:
                        state[number] = "inside" if directive.start < number < directive.end else "marker"
                elif directive.name in ("solution-start", "solution-end"):
                    gated = directive.name == "solution-start"
                    for number in range(directive.start, len(lines)):
                        state[number] = "marker" if number in block else ("gated" if gated else "open")
            for line, where in zip(lines, state):
                if where != "marker":
                    (inside if where in ("inside", "gated") else outside).append(line)
        elif cell.cell_type == "code":
            role = parsed.roles.get(index)
            lines = text.split("\n")
            regions = solution_regions(text) if role is not None and role.role == "solution" else []
            if role is not None and role.role == "solution" and not regions:
                regions = [(-1, len(lines))]
            for number, line in enumerate(lines):
                (inside if any(b < number < e for b, e in regions) else outside).append(line)
    return inside, outside


def solution_fragments(notebook: NotebookNode, elsewhere: str = "") -> list[str]:
    """Distinctive pieces of every worked solution of a chapter (code lines and prose).

    A fragment is a solution line (math and inline code taken out) of at least 16 characters
    that appears nowhere outside the solutions, neither in this chapter nor in ``elsewhere``
    (the rest of the book), so finding it in the student site means a solution leaked.
    """
    inside, outside = _split(notebook)
    others = "\n".join(_normal(line) for line in outside) + "\n" + elsewhere
    fragments = []
    for line in inside:
        piece = _normal(_MATH_OR_CODE.sub(" ", line)).strip(" :.,;-")
        if len(piece) >= 16 and piece not in others and not piece.startswith(":"):
            fragments.append(piece)
    return sorted(set(fragments))


def book_text_outside_solutions(chapters: Sequence[Path]) -> str:
    """Everything the book says outside worked solutions: the chapters' other lines and the pages."""
    parts = ["\n".join(_normal(line) for line in _split(read_notebook(path))[1]) for path in chapters]
    parts += [_normal(page.read_text(encoding="utf-8")) for page in sorted(REPO_ROOT.glob("*.md"))
              if page.stem not in LEFT_OUT]
    return "\n".join(parts)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def site_texts(site: Path) -> Iterable[tuple[Path, str]]:
    """(file, searchable text) for every page, page source and notebook of a built site."""
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix not in {".html", ".ipynb", ".md", ".txt", ".py", ".json", ".js"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".ipynb":
            try:
                text = "\n".join(cell_source(cell) for cell in json.loads(text).get("cells", []))
            except (json.JSONDecodeError, AttributeError):
                pass
        elif path.suffix == ".html":
            text = html.unescape(re.sub(r"<[^>]+>", "", text))
        yield path, _normal(text)


def solution_leaks(site: Path, chapters: Sequence[Path]) -> list[str]:
    """Every (file, fragment) where a worked solution of ``chapters`` appears in the site."""
    elsewhere = book_text_outside_solutions(chapters)
    fragments = {path.stem: solution_fragments(read_notebook(path), elsewhere) for path in chapters}
    leaks = []
    for path, text in site_texts(site):
        for chapter, pieces in fragments.items():
            for piece in pieces:
                if piece in text:
                    leaks.append(f"{path.relative_to(site)}: {chapter}: {piece[:60]!r}")
    markers = ("BEGIN SOLUTION", "{solution}", "{solution-start}", "check_ex_", "INTEGRITY")
    for path, text in site_texts(site):
        leaks += [f"{path.relative_to(site)}: marker {marker!r}" for marker in markers if marker in text]
    return leaks


def with_chapter_outputs(student: NotebookNode, chapter: NotebookNode) -> NotebookNode:
    """The student notebook with the stored outputs of the chapter's non-exercise code cells."""
    parsed = parse_notebook(chapter)
    outputs: dict[str, list] = {}
    for index, cell in enumerate(chapter.cells):
        role = parsed.roles.get(index)
        if cell.cell_type == "code" and (role is None or role.role == "context"):
            outputs.setdefault(cell_source(cell), cell.get("outputs", []))
    result = copy.deepcopy(student)
    for cell in result.cells:
        if cell.cell_type == "code" and cell_source(cell) in outputs:
            cell.outputs = copy.deepcopy(outputs[cell_source(cell)])
    return result


def _toc_without(toc: dict, keep: set[str]) -> dict:
    """The table of contents without the documents students do not get (or that are not built)."""
    def wanted(entry: dict) -> bool:
        name = str(entry.get("file", "")).removesuffix(".ipynb").removesuffix(".md")
        return name not in LEFT_OUT and (not name.startswith("chapters/") or name in keep)

    toc = copy.deepcopy(toc)
    for part in toc.get("parts", []):
        part["chapters"] = [entry for entry in part.get("chapters", []) if wanted(entry)]
    toc["parts"] = [part for part in toc.get("parts", []) if part["chapters"]]
    return toc


def build(chapters: Sequence[Path], out: Path, work: Path) -> Path:
    """Write the student book's sources to ``work``, build them into ``out``; returns ``out``.

    Raises:
        NotebookError: a chapter cannot be exported, the build failed, or a solution leaked.
    """
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(REPO_ROOT, work, ignore=lambda folder, names: [
        name for name in names if Path(folder) == REPO_ROOT and (name in NOT_COPIED or name.startswith("."))
        or name == "__pycache__"])
    for name in LEFT_OUT:
        (work / f"{name}.md").unlink(missing_ok=True)
    (work / "chapters").mkdir()
    with tempfile.TemporaryDirectory() as scratch:
        for path in chapters:
            exported = assign_chapter(path, Path(scratch), [], run_tests=False, points={})
            student = read_notebook(exported / "student" / f"{path.stem}.ipynb")
            write_notebook(with_chapter_outputs(student, read_notebook(path)), work / "chapters" / path.name)
    for extra in CHAPTERS_DIR.iterdir():  # images or data files next to the chapters
        if extra.is_file() and extra.suffix not in {".ipynb", ".py"}:
            shutil.copy(extra, work / "chapters" / extra.name)
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    keep = {f"chapters/{path.stem}" for path in chapters}
    (work / "_toc.yml").write_text(yaml.safe_dump(_toc_without(toc, keep), sort_keys=False), encoding="utf-8")
    process = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(work), "--keep-going"],
                             capture_output=True, text=True)
    if process.returncode != 0 or not (work / "_build" / "html" / "index.html").is_file():
        tail = (process.stdout + process.stderr).strip().splitlines()[-3:]
        raise NotebookError("jupyter-book build of the student site failed: " + " / ".join(tail))
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(work / "_build" / "html", out)
    leaks = solution_leaks(out, chapters)
    if leaks:
        raise NotebookError(f"solutions leaked into the student site ({len(leaks)}): " + "; ".join(leaks[:5]))
    return out


def toc_chapters() -> list[Path]:
    """The chapters listed in ``_toc.yml``, in book order."""
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [str(entry["file"]) for part in toc.get("parts", []) for entry in part.get("chapters", [])
             if str(entry.get("file", "")).startswith("chapters/")]
    return [REPO_ROOT / f"{name.removesuffix('.ipynb')}.ipynb" for name in names
            if (REPO_ROOT / f"{name.removesuffix('.ipynb')}.ipynb").is_file()]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the student site."""
    parser = argparse.ArgumentParser(prog="python -m coursework.book_student", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="chapters (default: those of _toc.yml)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "_build" / "student-html")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "_build" / "student-book")
    args = parser.parse_args(argv)
    chapters = [path.resolve() for path in args.notebooks] or toc_chapters()
    try:
        out = build(chapters, args.out, args.work)
    except NotebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"student site written to {out} ({len(chapters)} chapters, no solution found in it); "
          f"open {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
