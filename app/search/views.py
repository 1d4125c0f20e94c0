"""GET /search?q=&circle=&order=&page=: the search page; htmx swaps only the results."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.core.htmx import page_or_fragment

from . import services
from .forms import SearchForm

bp = Blueprint("search", __name__)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 4 else 1


@bp.route("/search")
def index() -> ResponseReturnValue:
    form = SearchForm(request.args)
    slug = (request.args.get("circle") or "").strip().lower() or None
    results = services.search(
        current_user,
        request.args.get("q", ""),
        circle_slug=slug,
        order=request.args.get("order", "relevant"),
        page=_page_number(),
    )
    mine = services.my_circles(current_user)
    choices = [SelectChoice("", _("All circles"))] + [SelectChoice(c.slug, c.name) for c in mine]
    if results.circle is not None and results.circle not in mine:
        choices.append(SelectChoice(results.circle.slug, results.circle.name))
    form.circle.choices = choices
    form.circle.data = results.circle.slug if results.circle else ""
    form.order.data = results.order

    def page_url(page: int) -> str:
        return url_for(
            "search.index",
            q=results.query,
            circle=slug or None,
            order=results.order if results.order != "relevant" else None,
            page=page,
        )

    return page_or_fragment(
        "search/index.html",
        "search/_results.html",
        form=form,
        results=results,
        page_url=page_url,
        suggestions=services.suggested_tags(current_user) if not results.hits else [],
    )
