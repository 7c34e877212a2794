"""Audit log: record() for every write and export, and the scoped log pages."""
