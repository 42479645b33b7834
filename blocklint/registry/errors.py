"""Registry errors carry the HTTP status the Press API would answer with."""

from __future__ import annotations


class RegistryError(Exception):
    status = 500

    def __init__(self, message: str, findings=()):
        super().__init__(message)
        self.message = message
        self.findings = list(findings)  # dicts: rule, name, severity, path, message


class Invalid(RegistryError):
    status = 400


class NotFound(RegistryError):
    status = 404


class Conflict(RegistryError):
    status = 409


class TooLarge(RegistryError):
    status = 413
