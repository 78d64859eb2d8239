"""pa_sms: a Twilio number per user, verified webhooks, sending, delivery status and usage.

Depends on ``pa_core``; never on a web framework. The main objects are
re-exported here (``from pa_sms import SmsRouter``); backends that need an
optional extra or a database (:mod:`pa_sms.transports.twilio`,
:mod:`pa_sms.numbers.twilio`, :mod:`pa_sms.jobs_redis`,
:mod:`pa_sms.records.sqlalchemy`, :mod:`pa_sms.usage.sqlalchemy`) are imported
from their own modules, so ``import pa_sms`` works without the extras.
"""

from pa_core import __version__
from pa_sms.agents import AgentContext, AgentHandler, AgentRegistry, DefaultAgent
from pa_sms.config import SmsSettings
from pa_sms.errors import (
    InvalidPhoneNumber,
    InvalidWebhookSignature,
    MessageTooLong,
    NumberUnavailable,
    QuotaExceeded,
    RecipientOptedOut,
    SmsError,
    SmsProviderError,
    SmsRetryableError,
)
from pa_sms.jobs import InProcessJobQueue, Job, JobQueue
from pa_sms.keywords import Keyword, classify
from pa_sms.numbers import (
    AvailableNumber,
    MemoryNumberProvider,
    NumberProvider,
    ProvisionedNumber,
)
from pa_sms.numbers.manager import NumberManager
from pa_sms.outbound import OutboundSender, RetryPolicy, SegmentRateLimiter
from pa_sms.records import MemorySmsStore, PhoneNumber, SmsRecord, SmsStore, WebhookConfig
from pa_sms.router import SmsRouter
from pa_sms.segments import SegmentInfo, count_segments
from pa_sms.transports import (
    ConsoleTransport,
    OutboundSms,
    RecordingTransport,
    SendResult,
    SmsTransport,
)
from pa_sms.usage import (
    MemoryUsageStore,
    PermissionQuotaPolicy,
    QuotaGuard,
    SegmentPricing,
    UsageAnalytics,
    UsageReport,
    UsageStore,
)
from pa_sms.webhooks import (
    InboundSms,
    TwilioSignatureVerifier,
    check_sids,
    read_webhook_form,
    webhook_auth_token,
)

__all__ = [
    "AgentContext",
    "AgentHandler",
    "AgentRegistry",
    "AvailableNumber",
    "ConsoleTransport",
    "DefaultAgent",
    "InProcessJobQueue",
    "InboundSms",
    "InvalidPhoneNumber",
    "InvalidWebhookSignature",
    "Job",
    "JobQueue",
    "Keyword",
    "MemoryNumberProvider",
    "MemorySmsStore",
    "MemoryUsageStore",
    "MessageTooLong",
    "NumberManager",
    "NumberProvider",
    "NumberUnavailable",
    "OutboundSender",
    "OutboundSms",
    "PermissionQuotaPolicy",
    "PhoneNumber",
    "ProvisionedNumber",
    "QuotaExceeded",
    "QuotaGuard",
    "RecipientOptedOut",
    "RecordingTransport",
    "RetryPolicy",
    "SegmentInfo",
    "SegmentPricing",
    "SegmentRateLimiter",
    "SendResult",
    "SmsError",
    "SmsProviderError",
    "SmsRecord",
    "SmsRetryableError",
    "SmsRouter",
    "SmsSettings",
    "SmsStore",
    "SmsTransport",
    "TwilioSignatureVerifier",
    "UsageAnalytics",
    "UsageReport",
    "UsageStore",
    "WebhookConfig",
    "__version__",
    "check_sids",
    "classify",
    "count_segments",
    "read_webhook_form",
    "webhook_auth_token",
]
