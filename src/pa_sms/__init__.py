"""pa_sms: a Twilio number per user, verified webhooks, sending, delivery status and usage.

Depends on ``pa_core``; never on a web framework.
"""

from pa_core import __version__

__all__ = ["__version__"]
