"""The README is the front door: it lists every environment variable the registry reads, and
its map of the code is the tree."""

import re

from registry.config import ENVIRONMENT
from tests.conftest import ROOT


def test_readme_lists_every_environment_variable():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in ENVIRONMENT if f"`{name}`" not in readme]
    assert missing == []


def test_readme_layout_matches_the_tree():
    """Every path the Layout section names exists, and it names every package and module of
    `registry/` (so a newcomer's map is the tree)."""

    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout") : readme.index("### How a request flows")]
    named = set(re.findall(r"`(registry/[\w/.]+?)/?`", layout))
    assert [path for path in sorted(named) if not (ROOT / path).exists()] == []
    tree = {
        f"registry/{p.name}"
        for p in (ROOT / "registry").iterdir()
        if (p / "__init__.py").exists() or (p.suffix == ".py" and p.stem != "__init__")
    }
    assert sorted(tree - named) == []
