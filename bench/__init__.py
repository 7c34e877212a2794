"""Benchmarks (not tests): `make bench` runs every group, `make bench ONLY=group` one of them."""
