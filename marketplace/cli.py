"""The portal's own commands, `flask --app wsgi <command>`: reference data, the demo, and
the jobs a deployment runs from cron (emails, closing needs, digests). The measuring
commands live in marketplace/dev/, registered only outside production."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .board import cli as board_cli
from .extensions import db
from .payments import cli as payments_cli


def register_commands(app: Flask) -> None:
    payments_cli.register(app)
    board_cli.register(app)
    for command in (
        load_reference_command,
        demo_data_command,
        demo_code_command,
        demo_advance_command,
        send_emails_command,
        send_daily_summaries_command,
        close_needs_command,
        send_digest_command,
    ):
        app.cli.add_command(command)


@click.command("load-reference")
@with_appcontext
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of CSV files shaped like the shipped ones (marketplace/reference/data/).",
)
def load_reference_command(data_dir):
    """Load regions, PDUs, service categories and outcomes from the shipped CSV files."""
    from .needs import counts
    from .reference.services import DATA, load_reference

    report = load_reference(data_dir or DATA)
    if report.created or report.updated:
        # A delivery unit moved to another region moves its needs' kept counts too.
        counts.rebuild()
    db.session.commit()
    click.echo(str(report))


@click.command("demo-data")
@with_appcontext
@click.option("--verbose", is_flag=True, help="Also print the emails the demo queues (development prints each email).")
def demo_data_command(verbose):
    """Create the demo accounts and organisations (idempotent; never in production)."""
    from .demo import load_demo_data
    from .demo.dated import emails_printed
    from .demo.people import DemoRefused

    password = current_app.config["DEMO_PASSWORD"]
    try:
        with emails_printed(verbose):
            logins = load_demo_data(password)
            db.session.commit()
    except DemoRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo("Demo data is ready. Sign in with any of these:")
    for email, description in logins:
        click.echo(f"  {email:<26} {description}")
    click.echo(f"Password for every demo account: {password}")
    click.echo(
        "Staff accounts also ask for a code from an authenticator app: .venv/bin/flask --app wsgi demo-code EMAIL prints it."
    )


@click.command("demo-code")
@with_appcontext
@click.argument("email")
def demo_code_command(email):
    """Print the two-factor code that signs a demo staff account in now (never in production)."""
    from .demo.people import DemoRefused, demo_code

    try:
        code, seconds = demo_code(email)
    except DemoRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(code)
    click.echo(f"Type it within {seconds} seconds. Each code works once.")


@click.command("demo-advance", context_settings={"ignore_unknown_options": True})
@with_appcontext
@click.argument("days")
def demo_advance_command(days):
    """Move every date of the demo DAYS days back (1 to 365), so what was to come comes
    DAYS closer: pass a standstill, reach a milestone (never in production)."""
    from .bids.closing import check_at_closing, needs_to_check
    from .demo.advance import advance_demo, days_to_advance
    from .demo.people import DemoRefused, refuse_in_production

    try:
        refuse_in_production("demo-advance is refused in production: it would rewrite every date of real records.")
        count = days_to_advance(days)
        moved = advance_demo(count)
        closed = [need for need in needs_to_check() if check_at_closing(need)]
        db.session.commit()
    except DemoRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    rows = sum(n for table, n in moved.items() if table != "working days")
    click.echo(f"The demo is now {count} day(s) on: moved the dates of {rows} row(s) in {len(moved) - 1} table(s).")
    if moved["working days"]:
        click.echo(f"{moved['working days']} open need(s) now close on the next working day.")
    if closed:
        click.echo(f"Checked the bids of {len(closed)} need(s) that have now closed.")


@click.command("send-emails")
@with_appcontext
@click.option("--limit", default=500, show_default=True, help="Most emails to send in this run.")
def send_emails_command(limit):
    """Send queued emails: through GOV.UK Notify when NOTIFY_API_KEY is set, else by SMTP
    when MAIL_SERVER is set, else printed to the console. Emails held for a daily summary
    wait for send-daily-summaries."""
    from .notifications import send_queued

    sent, failed = send_queued(limit=limit)
    click.echo(f"Sent {sent} email(s); {failed} failed and will be retried.")
    if failed:
        raise SystemExit(1)


@click.command("send-daily-summaries")
@with_appcontext
@click.option("--limit", default=5000, show_default=True, help="Most emails to send in this run.")
def send_daily_summaries_command(limit):
    """Queue one summary for each person who chose one email a day, with everything held
    for them, then send the outbox. Run it once a day (cron, early morning)."""
    from .notifications import queue_daily_summaries, send_queued

    queued = queue_daily_summaries()
    db.session.commit()
    sent, failed = send_queued(limit=limit)
    click.echo(f"Queued {queued} daily summary email(s). Sent {sent} email(s); {failed} failed and will be retried.")
    if failed:
        raise SystemExit(1)


@click.command("close-needs")
@with_appcontext
def close_needs_command():
    """Check the bids of needs that have closed (abnormally low bids are flagged), and keep
    the bids counted on needs closed a day ago for the board's dashboard. Safe to repeat;
    run it every few minutes. Opening a closed need's bids does the first too."""
    from .bids.closing import check_at_closing, needs_to_check
    from .board.reporting.kept import keep_closed_need_bids

    checked = 0
    for need in needs_to_check():
        if check_at_closing(need):
            checked += 1
        db.session.commit()
    keep_closed_need_bids()
    db.session.commit()
    click.echo(f"Checked the bids of {checked} closed need(s).")


@click.command("send-digest")
@with_appcontext
def send_digest_command():
    """Email each saved search's new matching needs (run once a day; safe to repeat)."""
    from .needs.digest import send_digests

    queued, checked = send_digests()
    db.session.commit()
    click.echo(f"Checked {checked} saved search(es); queued {queued} email(s).")
