"""Accounts: registration, email verification, login, tokens and passwords."""
