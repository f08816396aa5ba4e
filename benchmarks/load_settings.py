"""Settings for benchmarks/load.py: production settings (DEBUG off, persistent connections) plus a bare view.

The bare view (benchmarks/load_urls.py) runs behind the same middleware stack as every page, so the ratio of a
page's throughput to it measures the page's own cost. Not used by the app: only load.py points gunicorn here.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from samarbeid.settings import *  # noqa: E402, F403

ROOT_URLCONF = "benchmarks.load_urls"
