"""The folder walk (`ailint.files.Discovery`) decides `.gitignore` once per folder; it must
agree with the path-by-path decision (`Discovery.is_ignored`) on every file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailint.files import Discovery, file_kind
from ailint.types import FileKind

TREE = {
    ".gitignore": "*.log\n/build_out/\nsecrets/\n!keep.py\ngenerated_*.py\ndocs/**/draft.md\n",
    "app.py": "", "debug.log": "", "keep.py": "",
    "build_out/x.py": "", "src/build_out/x.py": "",
    "secrets/a.py": "", "secrets/keep.py": "",
    "src/generated_models.py": "", "src/models.py": "",
    "src/.gitignore": "*.yaml\n!important.yaml\n/local.py\n",
    "src/conf.yaml": "", "src/important.yaml": "", "src/local.py": "", "src/pkg/local.py": "",
    "src/pkg/.gitignore": "!conf.yaml\n*.toml\n", "src/pkg/conf.yaml": "", "src/pkg/settings.toml": "",
    "docs/a/b/draft.md": "", "docs/readme.md": "",
    ".git/info/exclude": "scratch/\n*.tmp.py\n", "scratch/x.py": "", "src/one.tmp.py": "",
}


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    for relpath, text in TREE.items():
        path = tmp_path / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def _expected(root: Path, under: str = "") -> list:
    decider = Discovery(root)
    out = []
    for path in sorted(root.rglob("*")):
        relpath = path.relative_to(root).as_posix()
        if not path.is_file() or relpath.startswith(".git/") or not relpath.startswith(under):
            continue
        if path.name == ".gitignore" or path.name == "exclude":
            continue
        parts = relpath.split("/")
        if any(decider.is_ignored("/".join(parts[:depth]), True) for depth in range(1, len(parts))):
            continue
        if not decider.is_ignored(relpath):
            out.append(relpath)
    return out


def test_the_walk_agrees_with_the_path_by_path_decision(tree: Path):
    walked = [source.relpath for source in Discovery(tree).collect([str(tree)])]
    assert walked == _expected(tree)
    # spot checks, so that a bug shared by both deciders still shows
    assert "app.py" in walked and "keep.py" in walked and "src/important.yaml" in walked
    assert "src/pkg/conf.yaml" in walked and "src/pkg/local.py" in walked
    for ignored in ("build_out/x.py", "secrets/keep.py", "src/generated_models.py", "src/conf.yaml",
                    "src/local.py", "src/pkg/settings.toml", "docs/a/b/draft.md", "scratch/x.py", "src/one.tmp.py"):
        assert ignored not in walked


def test_walking_a_subfolder_applies_the_ignore_files_above_it(tree: Path):
    walked = [source.relpath for source in Discovery(tree).collect([str(tree / "src")])]
    assert walked == _expected(tree, "src/")
    assert "src/pkg/conf.yaml" in walked and "src/generated_models.py" not in walked


def test_walking_an_ignored_folder_finds_nothing(tree: Path):
    assert Discovery(tree).collect([str(tree / "secrets")]) == []


@pytest.mark.parametrize("name, kind", [
    ("app.py", FileKind.PYTHON), ("APP.PY", FileKind.PYTHON), ("stubs.pyi", FileKind.PYTHON),
    (".env.py", FileKind.ENV), (".ENV.local.py", FileKind.ENV), ("Dockerfile.py", FileKind.DOCKERFILE),
    (".envrc.py", FileKind.PYTHON), ("settings.env", FileKind.ENV), ("notes.txt", FileKind.TEXT),
    ("image.png", None),
])
def test_file_kinds_from_names(name, kind):
    assert file_kind(name) == kind
