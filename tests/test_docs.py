"""The docs match the repository.

docs/decisions.md: every link to it from the packages' code names one of its sections,
every section records a measurement (at least one number), and its ``**Code.**`` item
names files that exist and names (functions, classes, constants, methods) defined in them.
README.md stays short, and every relative link of README.md and docs/**/*.md reaches a
file (and a heading, for ``#anchor``); docs/results/README.md lists every results page.
"""

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DECISIONS = REPO / "docs" / "decisions.md"
PACKAGES = ("features", "classifiers", "pipelines", "benchmarks")

# Any "decisions.md#..." in code, with or without "docs/": a link written another way
# still gets checked. GitHub anchors hold only word characters and '-'.
LINK = re.compile(r"decisions\.md#([\w-]*)")
# ATX heading: 1-6 '#', a space, the title, an optional closing run of '#'.
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def github_slug(title):
    """The anchor GitHub gives a heading: lowercase, punctuation but '-' and '_' dropped,
    each space a '-'."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def outside_fences(lines, start=0):
    """``(number, line)`` of the lines of ``lines`` outside fenced code blocks."""
    fence = None
    for number, line in enumerate(lines, start):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)[0]
        elif fence is not None:
            if opening and opening.group(1)[0] == fence:
                fence = None
        else:
            yield number, line


def parse_sections(text):
    """``(anchor, level, body)`` of every heading of ``text``, in order.

    ``body`` runs to the next heading of the same or a higher level. Headings in fenced
    code blocks are not headings; a repeated slug gets ``-1``, ``-2``, ... as on GitHub.
    """
    headings, seen = [], {}
    lines = text.splitlines()
    for i, line in outside_fences(lines):
        match = HEADING.match(line)
        if match:
            slug = github_slug(match.group(2))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            headings.append((slug if count == 0 else f"{slug}-{count}",
                             len(match.group(1)), i))
    sections = []
    for k, (anchor, level, start) in enumerate(headings):
        end = next((s for _, lv, s in headings[k + 1:] if lv <= level), len(lines))
        sections.append((anchor, level, "\n".join(lines[start + 1:end])))
    return sections


def code_links():
    """``(place, anchor)`` of every decisions.md link in the packages' .py files."""
    links = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for match in LINK.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                links.append((f"{path.relative_to(REPO)}:{line}", match.group(1)))
    return links


@pytest.mark.parametrize("title,anchor", [
    ("hog-color-dominant-l1sqrt", "hog-color-dominant-l1sqrt"),
    ("What the default augmentation does, and why", "what-the-default-augmentation-does-and-why"),
    ("The `*/svm` rows: one rule (v2.0)", "the-svm-rows-one-rule-v20"),
    ("snake_case  Title", "snake_case--title"),
])
def test_github_slug_known_answers(title, anchor):
    assert github_slug(title) == anchor


def test_parse_sections_skips_fenced_code_and_numbers_repeats():
    text = "# Top\nintro\n## a b\n```\n## not a heading\n```\n### Sub\nx\n## A B\ny 1\n"
    sections = parse_sections(text)
    assert [(a, lv) for a, lv, _ in sections] == [("top", 1), ("a-b", 2), ("sub", 3),
                                                  ("a-b-1", 2)]
    assert sections[1][2] == "```\n## not a heading\n```\n### Sub\nx"
    assert sections[3][2] == "y 1"


def test_the_packages_link_to_decisions():
    # Guards the check below against passing on nothing (a moved file, a changed link form).
    assert DECISIONS.is_file(), f"{DECISIONS} is missing"
    assert len(code_links()) >= 10, code_links()


def test_every_code_link_names_a_section():
    anchors = {a for a, _, _ in parse_sections(DECISIONS.read_text(encoding="utf-8"))}
    broken = [f"{place}: #{anchor}" for place, anchor in code_links() if anchor not in anchors]
    assert not broken, (
        f"links to docs/decisions.md without a matching heading: {broken}; "
        f"headings there: {sorted(anchors)}"
    )


def test_every_section_has_a_number():
    sections = parse_sections(DECISIONS.read_text(encoding="utf-8"))
    decisions = [(a, body) for a, level, body in sections if level == 2]
    assert decisions, "docs/decisions.md has no '## ' sections"
    empty = [a for a, body in decisions if not re.search(r"\d", body)]
    assert not empty, f"sections of docs/decisions.md with no measurement (no number): {empty}"


# ---------------------------------------------------------------------------
# The "**Code.**" pointers of docs/decisions.md name files and names that exist.

POINTER = re.compile(r"^- \*\*Code\.\*\*")
BACKTICKED = re.compile(r"`([^`\n]+)`")
DOTTED = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
IDENTIFIER = re.compile(rf"({DOTTED})(?:\[.*\])?")  # `PRESETS["default"]` -> PRESETS
CALL = re.compile(rf"({DOTTED})\(.*\)")              # `HOG(...)` -> HOG
# A path with an extension: `features/bovw.py`, `conftest.py` (not `pixels/cnn`, a pipeline).
FILE = re.compile(r"(?:[\w.-]+/)*[\w-]+\.py|(?:[\w.-]+/)+[\w.-]+\.\w+")


def code_pointers(text):
    """``(line, pointer)`` of every ``- **Code.**`` item of ``text``, continuation lines
    joined: an item runs to a blank line, the next item or the next heading."""
    pointers, current = [], None
    for number, line in enumerate(text.splitlines(), 1):
        if POINTER.match(line):
            current = [number, line]
            pointers.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            current[1] += " " + line.strip()
        else:
            current = None
    return [(number, pointer) for number, pointer in pointers]


def _targets(target):
    """The names an assignment target binds (``a, b = ...`` binds both)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for t in target.elts for name in _targets(t)]
    return []


def _bound(statements):
    """Names bound by ``statements``: defs, classes, assignments and imports, looking into
    ``if``/``try``/``with`` blocks but not into functions or classes."""
    names = set()
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(n for t in node.targets for n in _targets(t))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            names.update(_targets(node.target))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        if isinstance(node, (ast.If, ast.Try, ast.With, ast.ExceptHandler)):
            for block in ("body", "orelse", "finalbody", "handlers"):
                names |= _bound(getattr(node, block, []))
    return names


class ModuleNames:
    """What a Python file defines, read with ``ast`` (nothing is imported)."""

    def __init__(self, path):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.top = _bound(tree.body)
        self.members = {node.name: _bound(node.body) for node in ast.walk(tree)
                        if isinstance(node, ast.ClassDef)}
        self.params, self.identifiers, self.strings = set(), set(), set()
        for node in ast.walk(tree):
            if isinstance(node, ast.arg):
                self.params.add(node.arg)
            elif isinstance(node, ast.Name):
                self.identifiers.add(node.id)
            elif isinstance(node, ast.Attribute):
                self.identifiers.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.strings.add(node.value)
        self.identifiers |= self.top | self.params
        self.identifiers.update(m for ms in self.members.values() for m in ms)

    def defines(self, dotted):
        """``name`` is bound at module level, in a class body (a method, a field) or as a
        parameter (``the `loss` parameter of ...``); ``Class.member`` is a member of a
        class the module defines."""
        parts = dotted.split(".")
        if len(parts) == 1:
            return (dotted in self.top or dotted in self.params
                    or any(dotted in ms for ms in self.members.values()))
        return len(parts) == 2 and parts[1] in self.members.get(parts[0], ())


def check_pointer(pointer):
    """The problems of one pointer: no file, a missing file, a name no named file has."""
    files, names = [], []
    for token in BACKTICKED.findall(pointer):
        if FILE.fullmatch(token):
            files.append(token)
        else:
            names.append(token)
    if not files:
        return ["names no file (write its path, e.g. `pipelines/parts.py`)"]
    missing = [f for f in files if not (REPO / f).is_file()]
    if missing:
        return [f"no file {f}" for f in missing]
    modules = [ModuleNames(REPO / f) for f in files if f.endswith(".py")]
    problems = []
    for token in names:
        if token[0] in "\"'":  # a string literal: a branch like `"svm"`
            try:
                value = ast.literal_eval(token)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str) and not any(value in m.strings for m in modules):
                problems.append(f"no string {token} in {', '.join(files)}")
            continue
        call, name = CALL.fullmatch(token), IDENTIFIER.fullmatch(token)
        if call:  # a call snippet like `HOG(...)`: the callee is used in the file
            callee = call.group(1).split(".")[-1]
            if not any(callee in m.identifiers for m in modules):
                problems.append(f"no {callee} (from `{token}`) in {', '.join(files)}")
        elif name:
            if not any(m.defines(name.group(1)) for m in modules):
                problems.append(f"no {name.group(1)} (from `{token}`) in {', '.join(files)}")
        # Anything else (an expression, a shape) is not a name: nothing to look up.
    return problems


def test_check_pointer_finds_moved_and_missing_names():
    ok = ("- **Code.** `pipelines/parts.py`, `features_for` (the `HOG(...)` call), "
          '`classifier_for`, `"svm"` branch, `_REF_C`; `pipelines/registry.py` '
          '(`PRESETS["default"]`, `PipelineSpec.auto_augment`, `augments_in_batches`); '
          "the `loss` parameter of `LinearSVM` in `classifiers/linear.py`.")
    assert check_pointer(ok) == []
    assert check_pointer("- **Code.** `pipelines/registry.py`, `_scale_for`.") == [
        "no _scale_for (from `_scale_for`) in pipelines/registry.py"]
    assert check_pointer("- **Code.** `pipelines/nowhere.py`.") == ["no file pipelines/nowhere.py"]
    assert check_pointer("- **Code.** `pipelines/parts.py`, the `pixels/cnn` row.") == []
    assert check_pointer("- **Code.** `resolve_augment` in the augmentation module.") == [
        "names no file (write its path, e.g. `pipelines/parts.py`)"]
    assert check_pointer("- **Code.** `pipelines/parts.py`, `PipelineSpec.nothing`, "
                         '`NOPE(...)`, `"no-such-branch"`.') == [
        "no PipelineSpec.nothing (from `PipelineSpec.nothing`) in pipelines/parts.py",
        "no NOPE (from `NOPE(...)`) in pipelines/parts.py",
        'no string "no-such-branch" in pipelines/parts.py']


def test_code_pointers_joins_continuation_lines():
    text = "## a\n\n- **Code.** `a.py` (`x`,\n  `y`).\n- **Decision.** `z`.\n"
    assert code_pointers(text) == [(3, "- **Code.** `a.py` (`x`, `y`).")]


def test_every_decision_names_its_code():
    sections = parse_sections(DECISIONS.read_text(encoding="utf-8"))
    without = [a for a, level, body in sections
               if level == 2 and not code_pointers(body)]
    assert not without, f"sections of docs/decisions.md without a '- **Code.**' item: {without}"


def test_code_pointers_name_existing_files_and_names():
    pointers = code_pointers(DECISIONS.read_text(encoding="utf-8"))
    assert len(pointers) >= 30, pointers  # guards against passing on nothing
    broken = [f"docs/decisions.md:{line}: {problem}"
              for line, pointer in pointers for problem in check_pointer(pointer)]
    assert not broken, "\n".join(["'**Code.**' pointers that do not match the code:", *broken])


# ---------------------------------------------------------------------------
# README.md and docs/**/*.md: short README, links that lead somewhere.

README = REPO / "README.md"
RESULTS_INDEX = REPO / "docs" / "results" / "README.md"
README_MAX_LINES = 210
# [text](target) and ![alt](target), the target up to a space or ')' (a title may follow).
MD_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"(`+).+?\1")


def markdown_files():
    return [README, *sorted((REPO / "docs").rglob("*.md"))]


def relative_links(path):
    """``(line, target)`` of every link in ``path`` to a file of this repository: links in
    fenced or inline code, to web addresses and to e-mail addresses are left out."""
    links = []
    for number, line in outside_fences(path.read_text(encoding="utf-8").splitlines(), 1):
        for match in MD_LINK.finditer(INLINE_CODE.sub("", line)):
            target = match.group(1)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                links.append((number, target))
    return links


def broken_link(source, target, root=REPO):
    """Why ``target``, linked from the file ``source``, leads nowhere; None when it is fine.

    A link must stay inside ``root``; ``#anchor`` must be a heading of the Markdown file.
    """
    path, _, anchor = target.partition("#")
    destination = (source.parent / path).resolve() if path else source.resolve()
    if not destination.exists():
        return "no such file"
    if destination != root.resolve() and root.resolve() not in destination.parents:
        return "outside the repository"
    if anchor:
        if destination.is_dir() or destination.suffix != ".md":
            return f"#{anchor} on a file that is not Markdown"
        anchors = {a for a, _, _ in parse_sections(destination.read_text(encoding="utf-8"))}
        if anchor not in anchors:
            return f"no heading #{anchor} in {destination.relative_to(root.resolve())}"
    return None


def test_relative_links_skips_code_and_web_addresses(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("[a](b.md#c) ![p](d.png) [w](https://x.org/y.md) `[no](e.md)`\n"
                    "```\n[no](f.md)\n```\n[g](h.md \"title\") [m](mailto:x@y.z)\n",
                    encoding="utf-8")
    assert relative_links(page) == [(1, "b.md#c"), (1, "d.png"), (5, "h.md")]


def test_broken_link_checks_files_and_headings(tmp_path):
    (tmp_path / "other.md").write_text("# Title\n## A section\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("# Here\n", encoding="utf-8")
    assert broken_link(page, "other.md#a-section", root=tmp_path) is None
    assert broken_link(page, "#here", root=tmp_path) is None
    assert broken_link(page, "missing.md", root=tmp_path) == "no such file"
    assert broken_link(page, "other.md#nothing", root=tmp_path) == (
        "no heading #nothing in other.md")
    assert broken_link(page, "#nowhere", root=tmp_path) == "no heading #nowhere in page.md"
    assert broken_link(page, "../", root=tmp_path) == "outside the repository"


def test_readme_is_short():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines (at most {README_MAX_LINES}): it is the guide for a "
        f"first run; put results, their history and details in docs/ and link to them")


def test_every_relative_link_leads_somewhere():
    checked, broken = 0, []
    for path in markdown_files():
        for line, target in relative_links(path):
            checked += 1
            reason = broken_link(path, target)
            if reason:
                broken.append(f"{path.relative_to(REPO)}:{line}: ({target}) {reason}")
    assert checked >= 20, checked  # guards against passing on nothing
    assert not broken, "\n".join(["links that lead nowhere:", *broken])


def test_results_index_lists_every_results_page():
    index = {(RESULTS_INDEX.parent / target.partition("#")[0]).resolve()
             for _, target in relative_links(RESULTS_INDEX)}
    pages = {p.resolve() for p in (REPO / "docs" / "results").rglob("*.md")
             if p != RESULTS_INDEX}
    missing = sorted(str(p.relative_to(REPO)) for p in pages - index)
    assert not missing, f"pages of docs/results/ missing from its README.md index: {missing}"
