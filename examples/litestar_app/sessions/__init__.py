"""The caller's sessions: listing them and ending one."""
