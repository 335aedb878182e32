"""Every figure a board reads, computed by SQL aggregation here and nowhere else: the same
function feeds the chart, the table beside it, the CSV download and the tests. One module
a report: scope.py (the Period and Scope every figure is asked for, and the SQL they
share), spend.py (spend and awards by size and type, VCSE and local shares),
timeliness.py (how fast payments are made), competition.py (activity, bids per lot and
success rates), outcomes.py, comparison.py (an area among its peers),
organisation.py (a provider's own figures), ratings.py (partnership ratings) and
glance.py (a board member's home page).
"""
