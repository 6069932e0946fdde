"""The Flask ceiling: the smallest JSON endpoint, run under the services' own gunicorn settings."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    """Answer like the TechEmpower json test."""
    return jsonify(message="Hello, World!")
