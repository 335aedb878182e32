"""The outcomes a contract has achieved so far: totals of people and of each outcome from
its approved submissions only (what the commissioner accepted), for the contract page and
the outcomes page."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..contracts.models import Contract
from ..extensions import db
from .models import OutcomeReport, ReportDecision, ReportSubmission


@dataclass
class OutcomeSoFar:
    outcome_id: int
    text: str
    achieved: int = 0
    partly: int = 0
    not_achieved: int = 0

    @property
    def people(self) -> int:
        return self.achieved + self.partly + self.not_achieved

    @property
    def score(self) -> float:
        """Achieved counts 1, partly achieved 0.5, not achieved 0."""
        return self.achieved + self.partly / 2

    @property
    def percent(self) -> float | None:
        """The score as a share of the people reported on for this outcome."""
        return round(100 * self.score / self.people, 1) if self.people else None


@dataclass
class SoFar:
    expected: int
    reports: int = 0
    referred: int = 0
    started: int = 0
    completed: int = 0
    outcomes: list[OutcomeSoFar] = field(default_factory=list)

    def percent_of_expected(self, people: int) -> float:
        return round(100 * people / self.expected, 1) if self.expected else 0.0


def outcomes_so_far(contract: Contract) -> SoFar:
    """Totals from the approved submissions only (what the commissioner accepted), read in
    one query: at most one approved submission per milestone, so a handful of rows."""
    contents = db.session.scalars(
        sa.select(ReportSubmission.content)
        .join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
        .where(OutcomeReport.contract_id == contract.id, ReportSubmission.decision == ReportDecision.APPROVED)
        .order_by(ReportSubmission.id)
    ).all()
    totals = SoFar(expected=contract.expected_people)
    by_id = {o.id: OutcomeSoFar(o.id, o.local_text) for o in contract.outcomes}
    for content in contents:
        totals.reports += 1
        totals.referred += content.get("referred") or 0
        totals.started += content.get("started") or 0
        totals.completed += content.get("completed") or 0
        for line in content.get("outcomes", []):
            entry = by_id.setdefault(line["outcome_id"], OutcomeSoFar(line["outcome_id"], line.get("text", "")))
            entry.achieved += line.get("achieved") or 0
            entry.partly += line.get("partly") or 0
            entry.not_achieved += line.get("not_achieved") or 0
    totals.outcomes = list(by_id.values())
    return totals
