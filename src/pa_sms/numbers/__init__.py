"""Phone numbers: the provider contract, its in-memory backend, and the number manager.

The Twilio backend lives in :mod:`pa_sms.numbers.twilio` (not imported here: it
needs the ``twilio`` extra).
"""

from pa_sms.numbers.base import AvailableNumber, NumberProvider, ProvisionedNumber, SmsMethod
from pa_sms.numbers.checks import country_of
from pa_sms.numbers.memory import MemoryNumberProvider

__all__ = [
    "AvailableNumber",
    "MemoryNumberProvider",
    "NumberProvider",
    "ProvisionedNumber",
    "SmsMethod",
    "country_of",
]
