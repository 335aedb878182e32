"""Payment commands: `flask --app wsgi reconcile-payments` (run every few minutes with Stripe)."""

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("reconcile-payments")
    @click.option(
        "--older-than",
        default=120,
        show_default=True,
        type=click.IntRange(0, 86400),
        help="Seconds a payment must have been processing before it is checked.",
    )
    def reconcile_payments_command(older_than):
        """Settle Stripe payments left processing by a crash: paid if Stripe has the
        transfer, payable again if it does not. Safe to repeat."""
        from datetime import timedelta

        from .services import PaymentError
        from .stripe_backend import reconcile

        try:
            report = reconcile(older_than=timedelta(seconds=older_than))
        except PaymentError as error:
            raise click.ClickException(error.message) from None
        click.echo(str(report))
        if report.errors:
            raise SystemExit(1)
