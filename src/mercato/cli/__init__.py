"""The `mercato` command line (Typer + Rich)."""
