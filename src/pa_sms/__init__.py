"""pa_sms: a Twilio number per user, verified webhooks, sending, delivery status and usage.

Depends on ``pa_core``; never on a web framework.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
