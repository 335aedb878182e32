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
from .feedback.models import FeedbackChange, FeedbackLink, FeedbackResponse
from .needs.counts import NeedCount
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
from .opendata.models import OcdsRelease
from .organisations.justice_data_lab import JusticeDataLabResult
from .organisations.models import IncomeBand, LegalForm, Organisation
from .payments.models import Payment, StripeAccount, StripeEvent
from .reference.models import Area, AreaKind, DesiredOutcome, ServiceCategory
from .whatworks.models import WhatWorksOutcome, WhatWorksPeople

__all__ = [
    "AgreedScore",
    "Amendment",
    "Area",
    "AreaKind",
    "AssessmentSummary",
    "AuditEvent",
    "AwardDecision",
    "Bid",
    "BidDocument",
    "BidPartner",
    "BidRevision",
    "ConflictDeclaration",
    "Contract",
    "ContractMilestone",
    "ContractParty",
    "ContractVariation",
    "Criterion",
    "DesiredOutcome",
    "FeedbackChange",
    "FeedbackLink",
    "FeedbackResponse",
    "Follow",
    "IncomeBand",
    "Invitation",
    "JusticeDataLabResult",
    "LegalForm",
    "Lot",
    "LowBidReview",
    "Membership",
    "Milestone",
    "ModerationClosure",
    "Need",
    "NeedCount",
    "NeedDocument",
    "OcdsRelease",
    "Organisation",
    "OutboxEmail",
    "OutcomeReport",
    "PanelMember",
    "PartnershipReview",
    "Payment",
    "Question",
    "RecoveryCode",
    "ReportDocument",
    "ReportOutcome",
    "ReportSubmission",
    "ReviewResponse",
    "Role",
    "SavedSearch",
    "Score",
    "ScoreSheet",
    "ServiceCategory",
    "StashedForm",
    "StripeAccount",
    "StripeEvent",
    "User",
    "WhatWorksOutcome",
    "WhatWorksPeople",
]
