"""The documents the code and the README point people to exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
_DOC = re.compile(r"\b(?:docs|examples)/[\w./-]+\.(?:md|yml|yaml|py)\b")


def referenced_documents() -> dict[str, list[str]]:
    """Each `docs/…` path named in product code or README, with who names it."""
    sources = [ROOT / "README.md", ROOT / "manifest.yml"]
    sources += [
        p for folder in ("bot", "tools", "scheduler") for p in (ROOT / folder).rglob("*.py")
    ]
    found: dict[str, list[str]] = {}
    for source in sources:
        for path in _DOC.findall(source.read_text()):
            found.setdefault(path, []).append(source.relative_to(ROOT).as_posix())
    return found


def test_every_document_the_code_names_exists() -> None:
    named = referenced_documents()
    assert "docs/slack.md" in named  # runtime and doctor send people there
    missing = {path: by for path, by in named.items() if not (ROOT / path).is_file()}
    assert missing == {}
