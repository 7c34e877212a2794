"""Oversight for counties, cities and the province: the drill-down province → city → county → school, the
school lists its counts open, and each tier's to-do counts; all rolled up from SchoolProgress, never students."""
