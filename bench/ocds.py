"""Measure the OCDS release package (`GET /ocds/releases.json`) at national scale, on
PostgreSQL. Prints a Markdown table for README.md.

    make bench-ocds                                   # a throwaway PostgreSQL server
    BENCH_DATABASE_URL=postgresql://... make bench-ocds
    make bench-ocds BENCH_ARGS="--needs 3000 --bids 30000 --contracts 1500 --requests 5"

Builds the database as `make bench-dashboard` does (bench/dashboard.py: the real
migrations, the reference data, `flask generate-needs --count 100000` and
`flask generate-activity --bids 1000000 --contracts 50000`). The generators write rows
directly, so their needs have no releases: this writes them here, in bulk (Core
executemany in batches), with the release builders the receivers use
(marketplace/opendata/tendering.py and delivery.py) for `tender`, `tenderCancellation`,
`contract` and `implementation` (each payment paid; each outcome report submitted, then
approved or returned), and for `award` an equivalent of `tendering.award_release` that
reads the lot's counting bids for a batch of needs in one query (the builder asks for them
bid by bid, hours at this scale). Each release lists its parties' earlier roles as
`receivers._keep_earlier_roles` does. Then ANALYZE, and through the Flask test client with
the production settings, one request at a time: page 1 (no cursor), page 500 (the cursor
found by following links.next 499 times), and `?since=` a year ago; the median and 95th
percentile, and how many SQL statements each request ran. Finally EXPLAIN ANALYZE of each
page's query (to stderr).

Without BENCH_DATABASE_URL it starts a PostgreSQL server of its own (tests/pgserver.py:
the Debian binaries, default settings but fsync off) and stops it at the end. With it,
data already there is kept: needs count towards --needs, generate-activity is skipped when
the generated needs have bids, and releases are written only if there are none.
Options: --needs N, --bids N, --contracts N, --requests N (per page), --page N (the deep page).
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

from .common import ROOT, percentile, production_env, scale_arguments, time_pages
from .dashboard import build

BATCH = 1000  # needs whose releases are built and written together


# Writing the releases ---------------------------------------------------------------------


def write_releases(env: dict) -> tuple[int, float]:
    """Write the releases of every published need that has none; (how many, seconds)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.needs.models import Need
    from marketplace.opendata.models import OcdsRelease

    app = create_app()
    started = time.monotonic()
    written = 0
    with app.app_context():
        if db.session.scalar(sa.select(sa.func.count()).select_from(OcdsRelease)):
            return 0, 0.0
        need_ids = list(db.session.scalars(sa.select(Need.id).where(Need.published_at.is_not(None)).order_by(Need.id)))
        organisations = _organisations()
        for start in range(0, len(need_ids), BATCH):
            rows = _batch(need_ids[start : start + BATCH], organisations)
            if rows:
                db.session.execute(sa.insert(OcdsRelease.__table__), rows)
            db.session.commit()
            db.session.expunge_all()
            written += len(rows)
            if start // BATCH % 10 == 0:
                print(f"  releases: {written:,} for {start + BATCH:,} needs", file=sys.stderr)
    return written, time.monotonic() - started


def _organisations() -> dict:
    """Every organisation, detached (read by the builders for names and identifiers)."""
    import sqlalchemy as sa

    from marketplace.extensions import db
    from marketplace.organisations.models import Organisation

    found = {o.id: o for o in db.session.scalars(sa.select(Organisation))}
    db.session.expunge_all()
    return found


def _batch(need_ids: list[int], organisations: dict) -> list[dict]:
    import sqlalchemy as sa
    from sqlalchemy.orm import joinedload, selectinload

    from marketplace.contracts.models import Contract, ContractParty
    from marketplace.delivery.models import OutcomeReport, ReportSubmission
    from marketplace.evaluation.models import AwardDecision
    from marketplace.extensions import db
    from marketplace.needs.models import Lot, Need
    from marketplace.opendata import delivery, tendering
    from marketplace.payments.models import Payment

    needs = db.session.scalars(
        sa.select(Need)
        .where(Need.id.in_(need_ids))
        .options(selectinload(Need.lots), selectinload(Need.criteria), joinedload(Need.area), joinedload(Need.category))
    ).all()
    counted = _counting_bids(need_ids)
    made: dict[int, list[tuple]] = defaultdict(list)  # need id -> (date, release id, release)

    def add(need_id, at, built):
        made[need_id].append((at, *built))

    for need in needs:
        assert need.published_at is not None
        add(need.id, need.published_at, tendering.tender_release(need, need.published_at))
        ended = need.withdrawn_at or need.cancelled_at
        if ended is not None:
            release_id, release = _cancellation_release(need, ended, counted, organisations)
            add(need.id, ended, (release_id, release))
    decisions = db.session.scalars(
        sa.select(AwardDecision).join(Lot, Lot.id == AwardDecision.lot_id).where(Lot.need_id.in_(need_ids))
    ).all()
    for decision in decisions:
        at = decision.signed_off_at or decision.decided_at
        add(decision.lot.need_id, at, _award_release(decision, at, counted, organisations))
    contracts = db.session.scalars(
        sa.select(Contract)
        .where(Contract.need_id.in_(need_ids))
        .options(
            selectinload(Contract.milestones),
            selectinload(Contract.parties).joinedload(ContractParty.organisation),
            joinedload(Contract.organisation),
        )
    ).all()
    for contract in contracts:
        add(contract.need_id, contract.created_at, delivery.contract_release(contract, contract.created_at))
    contract_ids = [c.id for c in contracts]
    for payment in db.session.scalars(
        sa.select(Payment).where(Payment.contract_id.in_(contract_ids), Payment.paid_at.is_not(None))
    ):
        add(payment.contract.need_id, payment.paid_at, delivery.payment_release(payment, payment.paid_at))
    for submission in db.session.scalars(
        sa.select(ReportSubmission)
        .join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
        .where(OutcomeReport.contract_id.in_(contract_ids))
        .options(joinedload(ReportSubmission.report))
    ):
        need_id = submission.report.contract.need_id
        # Submitted (waiting for review), then the decision, each a release when it happened.
        waiting = SimpleNamespace(id=submission.id, report=submission.report, decision=None, content=submission.content)
        add(need_id, submission.submitted_at, delivery.report_release(waiting, submission.submitted_at))
        if submission.decision is not None and submission.decided_at is not None:
            add(need_id, submission.decided_at, delivery.report_release(submission, submission.decided_at))
    from flask import current_app

    prefix = current_app.config["OCDS_PREFIX"]
    rows = []
    for need_id, releases in made.items():
        earlier: dict[str, list[str]] = {}
        for at, release_id, release in sorted(releases, key=lambda r: r[0]):
            # receivers._keep_earlier_roles: each party keeps its roles in earlier releases.
            for party in release["parties"]:
                party["roles"] = list(dict.fromkeys(earlier.get(party["id"], []) + party["roles"]))
            for party in release["parties"]:
                earlier[party["id"]] = party["roles"]
            rows.append(
                {
                    "ocid": f"{prefix}-{need_id}",
                    "release_id": release_id,
                    "tags": release["tag"],
                    "date": at,
                    "need_id": need_id,
                    "release": release,
                    "created_at": at,
                }
            )
    return rows


def _counting_bids(need_ids: list[int]) -> dict[int, list[tuple[int, list[int], int]]]:
    """Lot id -> (bid id, its organisations: lead then partners, its price) of each bid that
    counted at closing:
    its latest revision, not withdrawn after it (bids.lifecycle.counting_revision; the
    generated needs have no amendments, so every revision answers the need as it is)."""
    import sqlalchemy as sa

    from marketplace.bids.models import Bid, BidRevision
    from marketplace.extensions import db

    latest = (
        sa.select(BidRevision.bid_id, sa.func.max(BidRevision.submitted_at).label("submitted_at"))
        .join(Bid, Bid.id == BidRevision.bid_id)
        .where(Bid.need_id.in_(need_ids))
        .group_by(BidRevision.bid_id)
        .subquery()
    )
    query = (
        # The lead and the partners as bid_organisation_ids reads them, without the answers.
        sa.select(Bid.lot_id, Bid.id, Bid.organisation_id, BidRevision.content["partners"], BidRevision.price_pence)
        .join(latest, latest.c.bid_id == Bid.id)
        .join(BidRevision, sa.and_(BidRevision.bid_id == Bid.id, BidRevision.submitted_at == latest.c.submitted_at))
        .where(sa.or_(Bid.withdrawn_at.is_(None), Bid.withdrawn_at < latest.c.submitted_at))
        .order_by(Bid.lot_id, Bid.id)
    )
    by_lot: dict[int, list[tuple[int, list[int], int]]] = defaultdict(list)
    for lot_id, bid_id, lead_id, partners, price in db.session.execute(query):
        ids = [lead_id] + [p["organisation_id"] for p in partners or [] if p.get("organisation_id")]
        by_lot[lot_id].append((bid_id, ids, price))
    return by_lot


def _bid_statistics(need, counted: dict, organisations: dict) -> dict:
    """tendering.bid_statistics, from the counting bids read for the batch."""
    from marketplace.opendata import ocds, tendering

    statistics_ = []
    for lot in need.lots:
        leads = [organisations[ids[0]] for _bid, ids, _price in counted.get(lot.id, [])]
        for measure, count, notes in (
            ("bids", len(leads), "Bids that counted at the closing time"),
            (
                "smallOrganisationBids",
                sum(1 for o in leads if o.income_band in tendering.SMALL_BANDS),
                "Bids led by an organisation with an annual income under £1 million",
            ),
            (
                "vcseBids",
                sum(1 for o in leads if o.is_vcse),
                "Bids led by a voluntary, community or social enterprise organisation",
            ),
        ):
            statistics_.append(
                {
                    "id": f"{tendering.lot_id(lot)}-{measure}",
                    "measure": measure,
                    "value": count,
                    "date": ocds.iso(need.closes_at),
                    "notes": notes,
                    "relatedLot": tendering.lot_id(lot),
                }
            )
    return {"statistics": statistics_}


def _cancellation_release(need, at, counted: dict, organisations: dict) -> tuple[str, dict]:
    """tendering.cancellation_release, with the batch's bid statistics."""
    from marketplace.opendata import ocds, tendering

    release_id = f"{ocds.ocid_for(need.id)}-cancellation"
    release = ocds.frame(need, release_id, "tenderCancellation", at)
    release["tender"] = tendering.tender(need, at)
    if tendering.closed_by(need, at):
        release["bids"] = _bid_statistics(need, counted, organisations)
    return release_id, release


def _award_release(decision, at, counted: dict, organisations: dict) -> tuple[str, dict]:
    """tendering.award_release, with the lot's counting bids read for the batch."""
    from marketplace.evaluation.models import AwardOutcome
    from marketplace.opendata import ocds, tendering

    lot = decision.lot
    need = lot.need
    release_id = f"{ocds.ocid_for(need.id)}-award-{decision.id}"
    release = ocds.frame(need, release_id, "award", at)
    awarded = decision.outcome == AwardOutcome.AWARD
    bids = counted.get(lot.id, [])
    winner = [(ids, price) for bid_id, ids, price in bids if awarded and bid_id == decision.bid_id]
    assert not awarded or winner, f"decision {decision.id}: the awarded bid did not count"
    supplier_ids = winner[0][0] if winner else []  # the winner's lead and partners
    tenderer_ids = [i for _bid, ids, _price in bids for i in ids]
    suppliers = [organisations[i] for i in dict.fromkeys(supplier_ids) if i in organisations]
    tenderers = [organisations[i] for i in dict.fromkeys(tenderer_ids) if i in organisations]
    release["tender"] = {
        "id": str(need.id),
        "status": tendering.NEED_STATUS[need.status_at(at)],
        "lots": [{"id": tendering.lot_id(lot), "status": "complete" if awarded else "unsuccessful"}],
        "tenderers": [ocds.organisation_reference(o) for o in tenderers],
    }
    section: dict = {
        "id": tendering.award_id(lot, decision.id),
        "title": f"Lot {lot.number}: {lot.title}",
        "date": ocds.iso(at),
        "relatedLots": [tendering.lot_id(lot)],
    }
    if awarded:
        section["status"] = "active"
        section["value"] = ocds.value(winner[0][1])
        section["suppliers"] = [ocds.organisation_reference(o) for o in suppliers]
    else:
        section["status"] = "unsuccessful"
        section["description"] = "Not awarded"
    release["awards"] = [section]
    release["bids"] = _bid_statistics(need, counted, organisations)
    supplier_set = {o.id for o in suppliers}
    everyone = [organisations[i] for i in dict.fromkeys(tenderer_ids + supplier_ids) if i in organisations]
    release["parties"] += [
        ocds.organisation_party(o, ["tenderer", "supplier"] if o.id in supplier_set else ["tenderer"]) for o in everyone
    ]
    return release_id, release


# Measuring --------------------------------------------------------------------------------

# packages.page's query, for EXPLAIN ANALYZE (the same SQL the ORM sends, with literals).
PAGE_SQL = "SELECT * FROM ocds_releases{where} ORDER BY ocds_releases.date DESC, ocds_releases.id DESC LIMIT 101"


def measure(env: dict, requests: int, deep: int):
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.opendata.packages import decode_cursor
    from marketplace.timeutil import utcnow

    app = create_app()
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(sa.text("ANALYZE"))
            connection.commit()
        counts = {
            "releases": db.session.scalar(sa.text("SELECT count(*) FROM ocds_releases")),
            "needs with releases": db.session.scalar(sa.text("SELECT count(DISTINCT need_id) FROM ocds_releases")),
            "needs": db.session.scalar(sa.text("SELECT count(*) FROM needs")),
            "bids": db.session.scalar(sa.text("SELECT count(*) FROM bids")),
        }
        by_tag = db.session.execute(
            sa.text("SELECT tags::text, count(*) FROM ocds_releases GROUP BY 1 ORDER BY 2 DESC")
        ).all()
        size = db.session.execute(
            sa.text(
                "SELECT avg(octet_length(release::text)), pg_total_relation_size('ocds_releases') FROM ocds_releases"
            )
        ).one()
        server = db.session.execute(
            sa.text(
                "SELECT version(), current_setting('shared_buffers'), current_setting('work_mem'), "
                "current_setting('effective_cache_size'), current_setting('random_page_cost'), current_setting('jit')"
            )
        ).one()
    client = app.test_client()

    def path(url: str) -> str:
        parts = urlsplit(url)
        return parts.path + "?" + parts.query

    # Page `deep`: follow links.next from page 1, untimed, for its cursor.
    url = "/ocds/releases.json"
    for _ in range(deep - 1):
        body = client.get(url, base_url="https://localhost").get_json()
        url = path(body["links"]["next"])
    since = (utcnow() - timedelta(days=365)).date().isoformat()
    pages = [
        ("page 1", "/ocds/releases.json"),
        (f"page {deep} (`?cursor=`)", url),
        (f"`?since={since}` (page 1)", f"/ocds/releases.json?since={since}"),
    ]
    results = [
        (name, url, response.status_code, times, sql, len(response.get_json().get("releases", [])), len(response.data))
        for name, url, response, times, sql in time_pages(app, [(name, client, url) for name, url in pages], requests)
    ]
    with app.app_context():
        cursor_at, cursor_id = decode_cursor(urlsplit(pages[1][1]).query.partition("cursor=")[2].partition("&")[0])
        wheres = [
            "",
            f" WHERE ocds_releases.date < '{cursor_at.isoformat()}' OR "
            f"(ocds_releases.date = '{cursor_at.isoformat()}' AND ocds_releases.id < {cursor_id})",
            f" WHERE ocds_releases.date > '{since}T00:00:00+00:00'",
        ]
        # And the deep page's query with a row comparison instead, for comparison.
        names = [name for name, _url in pages] + [f"{pages[1][0]} as a row comparison"]
        wheres.append(f" WHERE (ocds_releases.date, ocds_releases.id) < ('{cursor_at.isoformat()}', {cursor_id})")
        for name, where in zip(names, wheres, strict=True):
            plan = db.session.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + PAGE_SQL.format(where=where))).scalars()
            print(f"\nEXPLAIN ANALYZE, {name}:\n" + "\n".join(plan), file=sys.stderr)
    return results, counts, by_tag, size, server


def main() -> int:
    parser = scale_arguments(__doc__)
    parser.add_argument("--page", type=int, default=500)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lp-bench-ocds-"))
    server = None
    if not os.environ.get("BENCH_DATABASE_URL"):
        sys.path.insert(0, str(ROOT))
        from tests import pgserver

        server = pgserver.start_server(max_connections=20)
        os.environ["BENCH_DATABASE_URL"] = server.create_database("local_partners_bench_ocds")
        print(f"PostgreSQL at {os.environ['BENCH_DATABASE_URL']}", file=sys.stderr)
    env = production_env(work)
    try:
        build_seconds = build(env, args.needs, args.bids, args.contracts)
        written, write_seconds = write_releases(env)
        results, counts, by_tag, size, settings = measure(env, args.requests, args.page)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if server is not None:
            server.stop()
    print(
        f"\nBuilt in {build_seconds:.0f}s; {written:,} releases written in {write_seconds:.0f}s. "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items())
    )
    print("Releases by tag: " + ", ".join(f"{tags} {n:,}" for tags, n in by_tag))
    print(f"Average release {size[0]:,.0f} bytes of JSON; ocds_releases with its indexes {size[1] / 2**20:,.0f} MB")
    print(
        f"{settings[0].split(' on ')[0]}; shared_buffers {settings[1]}, work_mem {settings[2]}, "
        f"effective_cache_size {settings[3]}, random_page_cost {settings[4]}, jit {settings[5]}; "
        f"{args.requests} requests per page, one at a time, through the Flask test client with the production "
        f"settings, {os.cpu_count()} cores\n"
    )
    print("| request | HTTP | releases | KB | SQL statements | median ms | 95th percentile ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, _url, status, times, queries, served, length in results:
        print(
            f"| {name} | {status} | {served} | {length / 1024:,.0f} | {queries} | {statistics.median(times):.0f} "
            f"| {percentile(times, 0.95):.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
