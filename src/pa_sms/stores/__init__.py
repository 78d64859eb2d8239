"""Where ``pa_sms`` keeps numbers, webhook settings, the message log and opt-outs.

:class:`SmsStore` is the contract, :class:`MemorySmsStore` the embedded default
and test double. The SQLAlchemy store lives in :mod:`pa_sms.stores.sqlalchemy`
(not imported here).
"""

from pa_sms.stores.base import SmsStore
from pa_sms.stores.memory import MemorySmsStore

__all__ = ["MemorySmsStore", "SmsStore"]
