"""Entry point for gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from catalog_service import create_app

app = create_app()
