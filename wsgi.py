"""Entry point for `flask --app wsgi …` and WSGI servers."""
from portal import create_app

app = create_app()
