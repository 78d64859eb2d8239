"""Temporary: the usage stores, until they move to pa_sms.usage."""
