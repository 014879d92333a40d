"""Staff accounts, roles, login sessions, lock-out and the audit log."""
