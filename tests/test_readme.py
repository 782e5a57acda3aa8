"""The README is the front door: it lists every environment variable the registry reads."""

from registry.config import ENVIRONMENT
from tests.conftest import ROOT


def test_readme_lists_every_environment_variable():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in ENVIRONMENT if f"`{name}`" not in readme]
    assert missing == []
