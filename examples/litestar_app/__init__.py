"""The reference service: a Litestar app wiring ``pa_core`` and ``pa_sms`` together."""
