"""Maintenance commands: `flask --app wsgi <command>`."""

import click
from flask import Flask, current_app

from .extensions import db


def register_commands(app: Flask) -> None:
    @app.cli.command("load-reference")
    def load_reference_command():
        """Load regions, PDUs, service categories and outcomes from the shipped CSV files."""
        from .reference.services import load_reference

        report = load_reference()
        db.session.commit()
        click.echo(str(report))

    @app.cli.command("demo-data")
    def demo_data_command():
        """Create the demo accounts and organisations (idempotent; never in production)."""
        from .demo import DemoRefused, load_demo_data

        try:
            logins = load_demo_data(current_app.config["DEMO_PASSWORD"])
        except DemoRefused as error:
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo("Demo data is ready. Sign in with any of these:")
        for email, description in logins:
            click.echo(f"  {email:<26} {description}")
        click.echo(f"Password for every demo account: {current_app.config['DEMO_PASSWORD']}")

    @app.cli.command("send-emails")
    @click.option("--limit", default=500, show_default=True, help="Most emails to send in this run.")
    def send_emails_command(limit):
        """Send queued emails: by SMTP when MAIL_SERVER is set, else printed to the console."""
        from .notifications import send_queued

        sent, failed = send_queued(limit=limit)
        click.echo(f"Sent {sent} email(s); {failed} failed and will be retried.")
        if failed:
            raise SystemExit(1)
