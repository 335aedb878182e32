"""The measuring commands, `flask --app wsgi generate-needs` and `generate-activity`:
registered only outside production, and refused wherever demo data is not allowed. The
generators are imported when a command runs, so production never loads them."""

import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def register(app: Flask) -> None:
    """Add the commands, unless the app runs with the production settings."""
    if app.config.get("ENV_NAME") == "production":
        return
    app.cli.add_command(generate_needs_command)
    app.cli.add_command(generate_activity_command)


def _refuse_in_production(command: str, would: str) -> None:
    if current_app.config.get("ENV_NAME") == "production" or not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException(f"{command} is refused in production: it would {would}.")


@click.command("generate-needs")
@with_appcontext
@click.option("--count", default=1000, show_default=True, help="How many needs to add.")
@click.option("--seed", default=1, show_default=True, help="Random seed, for the same data each time.")
def generate_needs_command(count, seed):
    """Add COUNT made-up needs in bulk, for measuring the list of needs (never in production)."""
    _refuse_in_production("generate-needs", "publish made-up needs")
    if not 1 <= count <= 1_000_000:
        raise click.ClickException("--count must be between 1 and 1,000,000")
    from .needs import generate_needs

    started = time.monotonic()
    made = generate_needs(count, seed)
    click.echo(f"Added {made:,} needs in {time.monotonic() - started:.1f}s.")


@click.command("generate-activity")
@with_appcontext
@click.option("--bids", default=10_000, show_default=True, help="How many bids to add, each with a submitted revision.")
@click.option("--contracts", default=500, show_default=True, help="How many lots to award and make contracts of.")
@click.option("--organisations", default=3000, show_default=True, help="How many made-up provider organisations bid.")
@click.option("--seed", default=1, show_default=True, help="Random seed, for the same data each time.")
def generate_activity_command(bids, contracts, organisations, seed):
    """Add made-up providers, bids, awards, contracts, outcome reports, payments and their
    audit events to the needs made by generate-needs, for measuring the board dashboard
    (never in production)."""
    _refuse_in_production("generate-activity", "add made-up bids, contracts and payments")
    _check_activity_options(bids, contracts, organisations)
    from .activity import generate_activity

    started = time.monotonic()
    made = generate_activity(bids, contracts, organisations, seed)
    click.echo(
        f"Added {made['organisations']:,} organisations, {made['bids']:,} bids ({made['revisions']:,} revisions), "
        f"{made['decisions']:,} award decisions, {made['contracts']:,} contracts, {made['reports']:,} outcome reports, "
        f"{made['payments']:,} payments and {made['events']:,} audit events in {time.monotonic() - started:.1f}s."
    )


def _check_activity_options(bids: int, contracts: int, organisations: int) -> None:
    if not 1 <= bids <= 5_000_000:
        raise click.ClickException("--bids must be between 1 and 5,000,000")
    if not 1 <= contracts <= 500_000:
        raise click.ClickException("--contracts must be between 1 and 500,000")
    if contracts > bids:
        raise click.ClickException("--contracts must not be more than --bids: each contract is a winning bid")
    if not 24 <= organisations <= 100_000:
        raise click.ClickException("--organisations must be between 24 and 100,000 (two for each region at least)")
