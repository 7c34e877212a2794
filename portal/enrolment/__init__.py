"""Enrolment upload and online matching: each school's special-hardship enrolment library (就学信息库)."""
