"""Every table of the portal, imported in one place so the mappers and migrations see them all."""

from .accounts.models import Invitation, Membership, RecoveryCode, Role, User
from .audit.models import AuditEvent
from .bids.models import Bid, BidDocument, BidPartner, BidRevision, StashedForm
from .board.models import PartnershipReview, ReviewResponse
from .contracts.models import (
    Contract,
    ContractMilestone,
    ContractParty,
    ContractVariation,
)
from .delivery.models import (
    OutcomeReport,
    ReportDocument,
    ReportOutcome,
    ReportSubmission,
)
from .evaluation.models import (
    AgreedScore,
    AssessmentSummary,
    AwardDecision,
    ConflictDeclaration,
    LowBidReview,
    ModerationClosure,
    PanelMember,
    Score,
    ScoreSheet,
)
from .needs.models import (
    Amendment,
    Criterion,
    Follow,
    Lot,
    Milestone,
    Need,
    NeedDocument,
    Question,
    SavedSearch,
)
from .notifications.models import OutboxEmail
from .organisations.models import IncomeBand, LegalForm, Organisation
from .payments.models import Payment, StripeAccount, StripeEvent
from .reference.models import Area, AreaKind, DesiredOutcome, ServiceCategory

__all__ = [
    "PartnershipReview",
    "ReviewResponse",
    "AgreedScore",
    "AssessmentSummary",
    "AwardDecision",
    "ConflictDeclaration",
    "Contract",
    "ContractMilestone",
    "ContractParty",
    "ContractVariation",
    "OutcomeReport",
    "Payment",
    "ReportDocument",
    "ReportOutcome",
    "ReportSubmission",
    "StripeAccount",
    "StripeEvent",
    "LowBidReview",
    "ModerationClosure",
    "PanelMember",
    "Score",
    "ScoreSheet",
    "Bid",
    "BidDocument",
    "BidPartner",
    "BidRevision",
    "StashedForm",
    "Amendment",
    "Criterion",
    "Follow",
    "Lot",
    "Milestone",
    "Need",
    "NeedDocument",
    "Question",
    "SavedSearch",
    "Area",
    "AreaKind",
    "AuditEvent",
    "DesiredOutcome",
    "IncomeBand",
    "Invitation",
    "LegalForm",
    "Membership",
    "Organisation",
    "OutboxEmail",
    "RecoveryCode",
    "Role",
    "ServiceCategory",
    "User",
]
