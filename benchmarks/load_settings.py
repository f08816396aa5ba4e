"""Settings for benchmarks/load.py: production settings (DEBUG off, persistent connections, Redis) plus a bare view.

As in production (docker-compose), the cache and the sessions are in Redis: REDIS_URL, else redis://127.0.0.1:6379/0
when a Redis answers there (else the database cache and database sessions, as without REDIS_URL). The cache keys are
prefixed with the database's name, so that runs against different databases on one Redis never share an entry.
The bare view (benchmarks/load_urls.py) runs behind the same middleware stack as every page, so the ratio of a
page's throughput to it measures the page's own cost. Not used by the app: only the benchmarks point Django here.
"""

import os
import socket
from urllib.parse import urlsplit

BENCHMARK_REDIS_URL = "redis://127.0.0.1:6379/0"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
if "REDIS_URL" not in os.environ and _reachable(BENCHMARK_REDIS_URL):
    os.environ["REDIS_URL"] = BENCHMARK_REDIS_URL

from samarbeid.settings import *  # noqa: E402, F403
from samarbeid.settings import CACHES, DATABASES  # noqa: E402

CACHES["default"]["KEY_PREFIX"] = f"{CACHES['default']['KEY_PREFIX']}-bench-{DATABASES['default']['NAME']}"
ROOT_URLCONF = "benchmarks.load_urls"
