# The image of either Python service; the build argument SERVICE picks which. Build context is the
# repository root (the shared package lives in common/):
#   docker build -f services.Dockerfile --build-arg SERVICE=catalog-service -t shop/catalog-service .
#   docker build -f services.Dockerfile --build-arg SERVICE=session-service -t shop/session-service .
ARG PYTHON_IMAGE=python:3.13-slim
FROM ${PYTHON_IMAGE}

# The service directory to package. The default names no directory, so a build that forgets the
# argument stops at the first COPY, with this name in the error, instead of packaging the wrong one.
ARG SERVICE=set-SERVICE-to-catalog-service-or-session-service
LABEL org.opencontainers.image.title="shop ${SERVICE}"

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Dependencies in their own layer, before the code: editing the service does not reinstall them.
COPY common/ /opt/common/
COPY ${SERVICE}/requirements.txt /opt/requirements.txt
RUN pip install /opt/common -r /opt/requirements.txt

# A fixed, unprivileged uid, so file ownership and `docker inspect` checks are predictable.
RUN groupadd --gid 10001 app \
 && useradd --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app

WORKDIR /app
COPY ${SERVICE}/ ./
USER app

EXPOSE 8000
# python's urllib instead of curl: the slim base has no curl. urlopen raises on any non-2xx answer.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# Name lookups of postgres/redis/catalog-service go to Docker's embedded DNS, which can stall a query
# while a container is (re)starting; glibc's default 5 s timeout then held requests for 5 s.
# Ask again after 1 s instead (tests/faults measures requests during restarts).
ENV RES_OPTIONS="timeout:1 attempts:2"
# Exec form: gunicorn is PID 1 and gets SIGTERM for its graceful shutdown.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
