"""SMS transports: the contract, the console and recording transports.

The Twilio transport lives in :mod:`pa_sms.transports.twilio` and is not
imported here, so ``pa_sms`` works without the ``twilio`` extra.
"""

from pa_sms.transports.base import OutboundSms, SendResult, SmsTransport
from pa_sms.transports.console import ConsoleTransport
from pa_sms.transports.recording import RecordingTransport
from pa_sms.transports.shared import validate_outbound

__all__ = [
    "ConsoleTransport",
    "OutboundSms",
    "RecordingTransport",
    "SendResult",
    "SmsTransport",
    "validate_outbound",
]
