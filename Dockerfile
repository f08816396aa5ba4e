# Samarbeid: the web app (gunicorn) and the task worker share this image.
FROM python:3.12-slim-bookworm

ENV PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
ENV PATH="/app/.venv/bin:$PATH" DJANGO_SETTINGS_MODULE=samarbeid.settings
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

EXPOSE 8000
# Run on its own (without docker-compose's command), the image makes the database cache's table first;
# with REDIS_URL set the cache is Redis and the table is merely unused.
CMD ["sh", "-c", "python manage.py createcachetable && exec gunicorn samarbeid.wsgi --bind 0.0.0.0:8000 --workers 3 --access-logfile -"]
