"""docs/decisions.md: every link to it from the packages' code names one of its sections,
and every section records a measurement (at least one number)."""

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


def parse_sections(text):
    """``(anchor, level, body)`` of every heading of ``text``, in order.

    ``body`` runs to the next heading of the same or a higher level. Headings in fenced
    code blocks are not headings; a repeated slug gets ``-1``, ``-2``, ... as on GitHub.
    """
    headings, seen, fence = [], {}, None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)[0]
            continue
        if fence is not None:
            if opening and opening.group(1)[0] == fence:
                fence = None
            continue
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
