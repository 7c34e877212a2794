"""Accounts: sign-in and the management of lower-tier accounts."""
