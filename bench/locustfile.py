"""Pages a visitor reads, weighted roughly as they are used. Run by bench/run.py."""

from locust import FastHttpUser, task


class Visitor(FastHttpUser):
    # No wait: each simulated user asks again as soon as it has an answer, to find the ceiling.

    @task(1)
    def health(self):
        self.client.get("/healthz", name="/healthz")

    @task(3)
    def start_page(self):
        self.client.get("/", name="/ (start page)")

    @task(2)
    def sign_in_page(self):
        self.client.get("/sign-in", name="/sign-in (form with CSRF)")

    @task(2)
    def areas(self):
        self.client.get("/areas", name="/areas (12 regions, 109 PDUs)")

    @task(2)
    def organisation(self):
        self.client.get("/organisations/1", name="/organisations/<id>")
