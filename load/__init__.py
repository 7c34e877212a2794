"""`make load`: the deadline-day crowd (issue 16, point 4), loopback only, bounded in count and time.

For each database (PostgreSQL in a fresh database LOAD_DATABASE_URL names, then SQLite in a temporary folder) it
seeds a province (schools with accounts, library people, enrolment, library students), starts the portal as
production does (`flask --app wsgi serve-production`: gunicorn with several workers plus the job worker, with a
proper secret and data key), lets 200 simulated school users and one county reviewer work over real HTTP, stops
the servers, then reads every acknowledged write back from the database. Printed as `name value` lines
(bench format), each name ending in the backend: load_errors, load_lost_writes, load_p95_ratio, load_throughput.
"""
