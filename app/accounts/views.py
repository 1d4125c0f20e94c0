"""Account pages: register, log in/out, my page, settings, password, public profiles."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import is_htmx, is_safe_target
from app.extensions import limiter

from . import services
from .forms import LoginForm, PasswordForm, RegisterForm, SettingsForm

bp = Blueprint("accounts", __name__)


def unauthorized() -> ResponseReturnValue:
    """Logged out: pages redirect to the login form; htmx gets 401 with HX-Redirect."""
    path = (
        request.full_path.rstrip("?")
        if request.method == "GET"
        else request.headers.get("HX-Current-URL", "/")
    )
    login_url = url_for("accounts.login", next=path if is_safe_target(path) else None)
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    if request.method != "GET":
        login_url = url_for(
            "accounts.login", next=request.referrer if is_safe_target(request.referrer) else None
        )
    return redirect(login_url, code=302)


def _login_account_key() -> str:
    return "login:" + (request.form.get("login") or "").strip().lower()


@bp.route("/auth/register", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = RegisterForm()
    # An invite link's ?invite=, else the code of a share link (?ref=) the guest came in by.
    invite = request.args.get("invite") or session.get("share_ref") or ""
    if request.method == "GET" and invite:
        form.invite_code.data = str(invite)[:16]
    if form.validate_on_submit():
        try:
            user = services.register(
                username=form.username.data or "",
                email=form.email.data or "",
                password=form.password.data or "",
                invite_code=form.invite_code.data or "",
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            login_user(user)
            flash(_("Welcome to %(site)s! Your account is ready.", site=_("Quanzi")), "success")
            return redirect(url_for("site.home"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/auth/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
@limiter.limit("20/hour", methods=["POST"], key_func=_login_account_key)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_after_login_target(form.next.data))
    if form.validate_on_submit():
        user = services.authenticate(form.login.data or "", form.password.data or "")
        if user is None:
            form.form_errors.append(_("Wrong username/email or password."))
        elif user.is_banned:
            form.form_errors.append(_("This account has been suspended. Contact the site team."))
        else:
            services.rehash_if_needed(user, form.password.data or "")
            services.record_login(user)
            login_user(user, remember=bool(form.remember.data))
            return redirect(_after_login_target(form.next.data), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


def _after_login_target(candidate: str | None) -> str:
    return candidate if is_safe_target(candidate) else url_for("site.home")  # type: ignore[return-value]


@bp.post("/auth/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("site.home"), code=303)


@bp.route("/me")
@login_required
def me() -> ResponseReturnValue:
    return render_template("accounts/me.html", user=current_user)


def _number(value: str | None) -> int | None:
    """A select's value as a number; blank (or junk) as None."""
    text = (value or "").strip()
    return int(text) if text.isdigit() else None


@bp.route("/me/settings", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    form = SettingsForm(obj=current_user if request.method == "GET" else None)
    if request.method == "GET" and current_user.birthday is not None:
        form.birthday_month.data = str(current_user.birthday.month)
        form.birthday_day.data = str(current_user.birthday.day)
    if form.validate_on_submit():
        avatar = form.avatar.data if form.avatar.data and form.avatar.data.filename else None
        try:
            services.update_profile(
                current_user,
                display_name=form.display_name.data or "",
                bio=form.bio.data or "",
                avatar=avatar.stream if avatar else None,
                avatar_filename=avatar.filename if avatar else None,
                birthday=(_number(form.birthday_month.data), _number(form.birthday_day.data)),
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.settings"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/settings.html", form=form), status


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_password(
                current_user,
                current_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            login_user(user)
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.me"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/u/<username>")
def profile(username: str) -> ResponseReturnValue:
    user = services.get_user_or_404(username)
    return render_template("accounts/profile.html", user=user)
