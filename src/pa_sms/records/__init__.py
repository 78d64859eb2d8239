"""Where ``pa_sms`` keeps numbers, webhook settings, the message log and opt-outs.

:class:`SmsStore` is the contract (with its value types, in
:mod:`pa_sms.records.base`), :class:`MemorySmsStore` the embedded default and
test double. The SQLAlchemy store lives in :mod:`pa_sms.records.sqlalchemy`
and its tables in :mod:`pa_sms.records.models` (not imported here).
"""

from pa_sms.records.base import (
    Direction,
    InboundRoute,
    NumberStatus,
    PhoneNumber,
    RouteOutcome,
    SmsRecord,
    SmsStore,
    WebhookConfig,
)
from pa_sms.records.memory import MemorySmsStore

__all__ = [
    "Direction",
    "InboundRoute",
    "MemorySmsStore",
    "NumberStatus",
    "PhoneNumber",
    "RouteOutcome",
    "SmsRecord",
    "SmsStore",
    "WebhookConfig",
]
