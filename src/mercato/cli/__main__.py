"""`python -m mercato.cli` runs the same app as the `mercato` script."""

from mercato.cli.main import run

run()
