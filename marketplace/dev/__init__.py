"""Tools for measuring, not the product: `flask generate-needs` and `flask generate-activity`
fill a database with made-up needs, providers, bids, awards, contracts, reports, payments
and audit events at scale, for the benchmarks in bench/. Their commands (commands.py) are
registered only outside production and refuse to run where demo data is not allowed."""
