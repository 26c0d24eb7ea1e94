"""Entry point for gunicorn and `flask --app wsgi`."""

from coursework import create_app

app = create_app()
