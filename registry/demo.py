"""Demo data (placeholder until written)."""

import click


@click.command("demo-data")
def demo_data() -> None:
    """Load a realistic demo registry."""
    raise click.ClickException("not written yet")
