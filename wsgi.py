"""Entry point for `flask --app wsgi …` and WSGI servers (gunicorn: see `flask --app wsgi serve-production`)."""
from portal import create_app
from portal.serving import behind_proxies

app = behind_proxies(create_app())  # PORTAL_PROXIES=1 behind nginx: the client's address from X-Forwarded-For
