"""blocklint: a pytest-style linter and validator for Peak Press documents."""

__version__ = "0.1.0"
