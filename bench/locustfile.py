"""One window of load for bench/pages.py: every user asks for BENCH_PATH again as soon as it
has the answer (FastHttpUser, no wait). On quitting, the window's figures go to the JSON
file BENCH_STATS: requests, failures and their errors, the time from the first request
to the last, and locust's histogram of response times (ms, rounded as locust rounds them),
so that windows can be added together exactly."""

import json
import os

from locust import FastHttpUser, events, task

PATH = os.environ.get("BENCH_PATH", "/")


class Visitor(FastHttpUser):
    @task
    def page(self):
        self.client.get(PATH, name=PATH)


@events.quitting.add_listener
def write_stats(environment, **_kwargs):
    total = environment.stats.total
    figures = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "seconds": max(0.0, total.last_request_timestamp - total.start_time) if total.num_requests else 0.0,
        "response_times": {str(ms): count for ms, count in total.response_times.items()},
        "errors": [
            f"{error.occurrences} x {error.method} {error.name}: {error.error}"
            for error in environment.stats.errors.values()
        ],
    }
    with open(os.environ["BENCH_STATS"], "w") as out:
        json.dump(figures, out)
