"""Entry point for gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from session_service import create_app

app = create_app()
