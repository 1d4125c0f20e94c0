"""`flask users create`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core.errors import Invalid

from . import services
from .models import ROLES

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True, prompt=True)
def create_user(username: str, email: str, password: str, role: str) -> None:
    """Create an account with a role (member, host or admin)."""
    try:
        user = services.create_user_cli(username=username, email=email, password=password, role=role)
    except Invalid as exc:
        for field, message in exc.fields.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"created {user.username} ({user.role})")
