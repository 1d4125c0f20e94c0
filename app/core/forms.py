"""Form helpers shared by every feature: field errors from services, checkbox semantics."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field

from app.core.errors import DomainError


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    """Show a service's field errors on the form (a message without a field goes to `form`)."""
    for name, message in error.fields.items():
        field: Field | None = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors or []), message]
        else:
            form.form_errors.append(message)
    if error.message and not error.fields:
        form.form_errors.append(error.message)


def checkbox(value: Any) -> bool:
    """A checkbox is on only when sent as "y" (or "on"/"true" from hand-written clients)."""
    return str(value or "").strip().lower() in {"y", "on", "true", "1", "yes"}
