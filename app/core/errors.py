"""Typed domain errors. Services raise them; one handler maps them to 4xx pages/fragments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, message: Any = "", *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})


class Invalid(DomainError):
    """Input the user can fix by editing the form (422)."""

    status = 422


class Forbidden(DomainError):
    """The actor may not do this (403)."""

    status = 403


class NotFound(DomainError):
    """Missing, or private to someone else (404: never reveal that it exists)."""

    status = 404


class Conflict(DomainError):
    """A state the user cannot fix by editing: sold out, limit reached (409)."""

    status = 409
