"""Outcomes: from reports approved in a period, by the need's service category, the
people supported and how their outcomes went, scored (achieved 1, partly 0.5, not 0).
"""

from dataclasses import dataclass
from fractions import Fraction

import sqlalchemy as sa

from ...contracts.models import Contract
from ...extensions import db
from ...i18n import current_language
from ...needs.models import Need
from ...reference.cache import snapshot
from .scope import Period, Scope


@dataclass(frozen=True)
class CategoryOutcomes:
    category: str
    contracts: int
    expected_people: int
    achieved: int
    partly: int
    not_achieved: int

    @property
    def score(self) -> Fraction:
        """Achieved counts 1, partly achieved 0.5, not achieved 0."""
        return self.achieved + Fraction(self.partly, 2)

    @property
    def people(self) -> int:
        return self.achieved + self.partly + self.not_achieved

    @property
    def rate(self) -> Fraction | None:
        return self.score / self.people if self.people else None


def _local_names() -> dict[str, str]:
    """Each category's English name to its name in the page's language (the figures are
    grouped by the English name; the process's reference data). None to rename in English."""
    if current_language() != "cy":
        return {}
    return {c.name: c.local_name for c in snapshot().categories}


def outcomes_by_category(scope: Scope, period: Period) -> list[CategoryOutcomes]:
    """From reports approved in the period, by the need's service category: the outcome
    lines (an approved report can no longer change, so its lines are what was approved),
    and the people the reporting contracts expected to support. Two grouped queries, of
    the figures kept per month for a period of whole months (kept_outcomes)."""
    from . import kept_outcomes

    if not kept_outcomes.months(period):
        return outcomes_of(scope.needs(), period)
    lines, contracts = kept_outcomes.outcomes_kept(scope, period)
    local = _local_names()
    return [
        CategoryOutcomes(local.get(name, name), *contracts.get(name, (0, 0)), *lines.get(name, (0, 0, 0)))
        for name in sorted(set(lines) | set(contracts))
    ]


def outcomes_of(where, period: Period) -> list[CategoryOutcomes]:
    """outcomes_by_category() of the contracts `where` picks (a clause on Contract and Need)."""
    from ...delivery.models import (
        OutcomeReport,
        ReportDecision,
        ReportOutcome,
        ReportSubmission,
    )
    from ...reference.models import ServiceCategory

    approved = sa.and_(
        ReportSubmission.report_id == OutcomeReport.id,
        ReportSubmission.decision == ReportDecision.APPROVED.value,
        ReportSubmission.decided_at >= period.starts_at,
        ReportSubmission.decided_at < period.ends_before,
    )
    lines = {
        name: (int(a), int(p), int(n))
        for name, a, p, n in db.session.execute(
            sa.select(
                ServiceCategory.name,
                sa.func.coalesce(sa.func.sum(ReportOutcome.achieved), 0),
                sa.func.coalesce(sa.func.sum(ReportOutcome.partly), 0),
                sa.func.coalesce(sa.func.sum(ReportOutcome.not_achieved), 0),
            )
            .select_from(ReportOutcome)
            .join(OutcomeReport, OutcomeReport.id == ReportOutcome.report_id)
            .join(ReportSubmission, approved)
            .join(Contract, Contract.id == OutcomeReport.contract_id)
            .join(Need, Need.id == Contract.need_id)
            .join(ServiceCategory, ServiceCategory.id == Need.category_id)
            .where(where)
            .group_by(ServiceCategory.name)
        ).all()
    }
    reporting_contract = sa.exists(
        sa.select(1)
        .select_from(OutcomeReport)
        .join(ReportSubmission, approved)
        .where(OutcomeReport.contract_id == Contract.id)
    )
    contracts = {
        name: (int(count), int(expected))
        for name, count, expected in db.session.execute(
            sa.select(
                ServiceCategory.name,
                sa.func.count(Contract.id),
                sa.func.coalesce(sa.func.sum(Contract.expected_people), 0),
            )
            .select_from(Contract)
            .join(Need, Need.id == Contract.need_id)
            .join(ServiceCategory, ServiceCategory.id == Need.category_id)
            .where(where, reporting_contract)
            .group_by(ServiceCategory.name)
        ).all()
    }
    local = _local_names()
    return [
        CategoryOutcomes(local.get(name, name), *contracts.get(name, (0, 0)), *lines.get(name, (0, 0, 0)))
        for name in sorted(set(lines) | set(contracts))
    ]
