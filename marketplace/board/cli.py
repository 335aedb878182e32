"""Board commands: `flask --app wsgi keep-board-figures` (close-needs does the same each run)."""

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("keep-board-figures")
    def keep_board_figures_command():
        """Keep the number of bids that counted on each need closed a day or more ago, for
        the dashboard (reporting/kept.py), and make the figures kept per area and month
        (board/keeping.py) again from the base tables, after a migration that adds one or
        rows written without the ORM. Safe to repeat."""
        from ..extensions import db
        from . import keeping
        from .reporting.kept import keep_closed_need_bids

        kept = keep_closed_need_bids()
        keeping.rebuild()
        db.session.commit()
        click.echo(f"Kept the bids counted on {kept:,} closed need(s), and the figures per area and month.")
