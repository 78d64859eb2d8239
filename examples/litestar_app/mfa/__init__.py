"""Second factors (TOTP, SMS codes, backup codes) and remembered devices."""
