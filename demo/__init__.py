"""The demo: `manage.py demo` loads reference data, the demo people and each app's demo data, then serves.

It is its own app because it needs every app; the core (samarbeid/) imports none (tests/test_code_shape.py)."""
