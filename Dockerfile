# Production image for web, worker and beat (docker-compose.yml runs each with its own command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=backend.settings.base \
    VAR_DIR=/app/var

WORKDIR /app

# A fixed uid so volume ownership survives image rebuilds.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt
# issue 19: msgfmt compiles the interface translations (locale/*.po) below.
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

COPY . .
# collectstatic imports the settings, which demand SECRET_KEY and JWT_SIGNING_KEY when DEBUG is
# false. The dummy keys live only in this RUN step's environment; it is not stored in the image's ENV.
RUN DEBUG=false SECRET_KEY=build-only-collectstatic-not-a-secret \
        JWT_SIGNING_KEY=build-only-collectstatic-not-a-secret-either \
        python manage.py collectstatic --noinput -v 0 \
    && bash scripts/compile-messages.sh \
    && mkdir -p /app/var \
    && chown app:app /app/var

USER app
EXPOSE 8000
# backend/gunicorn.conf.py preloads the app and loads the triage rule set before any request.
CMD ["gunicorn", "backend.wsgi:application", "--config", "backend/gunicorn.conf.py", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", "--graceful-timeout", "20", "--no-control-socket"]
