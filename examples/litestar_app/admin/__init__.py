"""Administration: users and their roles, the audit trail, the caller's permissions."""
