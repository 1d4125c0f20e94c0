"""The circle page and its feed, posts, comments, likes, reports and the host's queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.checkins import services as checkins
from app.circles import services as circles
from app.circles.models import Circle
from app.circles.policies import is_moderator, membership_of
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.forms import apply_errors, checkbox
from app.core.htmx import created, is_htmx, page_or_fragment, respond
from app.core.pagination import Page
from app.core.permissions import can

from . import services
from .forms import CommentForm, PostForm, ReportForm, ReportThresholdForm
from .models import Comment, Post
from .services.text import normalise_tags

bp = Blueprint("posts", __name__)

HELD_NOTICE = _l(
    "Your post contains a sensitive word, so it went to the hosts for review. "
    "We will let you know when it is approved."
)
HELD_COMMENT_NOTICE = _l(
    "Your comment contains a sensitive word, so the hosts will review it first. "
    "We will let you know when it is approved."
)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"post_html": services.render_body, "comment_html": services.render_comment}


def _feed_context(circle: Circle) -> dict[str, Any]:
    tab = request.args.get("tab", "latest")
    if tab not in services.TABS:
        raise NotFound()
    tags = normalise_tags(request.args.get("tag", ""))
    tag = tags[0] if tags else None
    cursor = request.args.get("cursor") or None
    can_view = can(current_user, "circle.view_content", circle)
    page: Page[Any] = Page(items=[], next_cursor=None)
    liked: set[int] = set()
    if can_view and tab == "checkins":
        # Check-ins are their own records: the checkins feature serves this tab's items.
        page = checkins.circle_checkins(current_user, circle, cursor=cursor)
        liked = checkins.liked_ids(current_user, [c.id for c in page.items])
    elif can_view:
        page = services.circle_feed(current_user, circle, tab=tab, tag=tag, cursor=cursor)
        liked = services.liked_ids(current_user, "post", [p.id for p in page.items])
    return {
        "circle": circle,
        "tab": tab,
        "tag": tag,
        "feed": page,
        "can_view": can_view,
        "liked": liked,
        "membership": membership_of(current_user, circle),
        "is_host": is_moderator(current_user, circle),
        "more_url": url_for("posts.circle", slug=circle.slug, tab=tab, tag=tag, cursor=page.next_cursor),
    }


@bp.route("/c/<slug>")
def circle(slug: str) -> ResponseReturnValue:
    context = _feed_context(circles.get_circle(slug))
    if is_htmx() and not request.args.get("cursor"):
        return render_template("posts/_feed.html", **context)
    return page_or_fragment("posts/circle.html", "posts/_feed_items.html", **context)


def _draft(form: PostForm) -> services.Draft:
    files = request.files
    return services.Draft(
        title=form.title.data or "",
        body=form.body.data or "",
        tags=form.tags.data or "",
        is_material=checkbox(request.form.get("is_material")),
        images=[(f.stream, f.filename) for f in files.getlist("images") if f and f.filename],
        attachments=[(f.stream, f.filename) for f in files.getlist("attachments") if f and f.filename],
    )


@bp.route("/c/<slug>/posts/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    circles.check_can_participate(current_user, circle)
    form = PostForm()
    if form.validate_on_submit():
        try:
            post = services.create_post(current_user, circle, _draft(form))
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            if post.is_visible:
                notice = _("Posted!")
            elif post.flagged_word:
                notice = str(HELD_NOTICE)
            else:
                notice = _("Sent! It will appear once a host approves it.")
            return created(url_for("posts.show", slug=slug, post_id=post.id), notice=notice)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "posts/edit.html", form=form, circle=circle, post=None, is_host=is_moderator(current_user, circle)
    ), status


@bp.route("/c/<slug>/p/<int:post_id>")
def show(slug: str, post_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    post = services.get_post(current_user, circle, post_id)
    host = is_moderator(current_user, circle)
    threads = services.list_comments(current_user, post, moderator=host)
    comment_ids = [c.id for c, replies in threads for c in [c, *replies]]
    return render_template(
        "posts/show.html",
        circle=circle,
        post=post,
        threads=threads,
        is_host=host,
        membership=membership_of(current_user, circle),
        liked=services.liked_ids(current_user, "post", [post.id]),
        liked_comments=services.liked_ids(current_user, "comment", comment_ids),
        form=CommentForm(),
    )


@bp.route("/c/<slug>/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, post_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    post = services.get_post(current_user, circle, post_id)
    if not can(current_user, "post.edit", post):
        raise Forbidden(_("You can only edit your own posts."))
    form = PostForm(obj=post if request.method == "GET" else None)
    if request.method == "GET":
        form.tags.data = " ".join(f"#{t}" for t in post.tags)
    if form.validate_on_submit():
        try:
            services.edit_post(current_user, post, _draft(form))
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            held = post.status == "pending" and post.flagged_word
            notice = str(HELD_NOTICE) if held else _("Saved.")
            return created(url_for("posts.show", slug=slug, post_id=post.id), notice=notice)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "posts/edit.html", form=form, circle=circle, post=post, is_host=is_moderator(current_user, circle)
    ), status


@bp.post("/c/<slug>/p/<int:post_id>/delete")
@login_required
def delete(slug: str, post_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    post = services.get_post(current_user, circle, post_id)
    if post.author_id == current_user.id:
        services.delete_own_post(current_user, post)
    else:
        services.moderate_post(current_user, post, "delete", reason=request.form.get("reason", ""))
    return respond(
        "posts/_moderated.html",
        url_for("posts.circle", slug=slug),
        notice=_("The post was deleted."),
        message=_("The post was deleted."),
    )


def _comments_response(
    circle: Circle, post: Post, form: CommentForm, status: int = 200
) -> ResponseReturnValue:
    host = is_moderator(current_user, circle)
    threads = services.list_comments(current_user, post, moderator=host)
    comment_ids = [c.id for c, replies in threads for c in [c, *replies]]
    return render_template(
        "posts/_comments.html",
        circle=circle,
        post=post,
        threads=threads,
        is_host=host,
        membership=membership_of(current_user, circle),
        liked_comments=services.liked_ids(current_user, "comment", comment_ids),
        form=form,
    ), status


@bp.post("/c/<slug>/p/<int:post_id>/comments")
@login_required
def comment(slug: str, post_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    post = services.get_post(current_user, circle, post_id)
    form = CommentForm()
    parent = (form.parent_id.data or "").strip()
    try:
        created_comment = services.create_comment(
            current_user, post, body=form.body.data or "", parent_id=int(parent) if parent.isdigit() else None
        )
    except Invalid as exc:
        apply_errors(form, exc)
        if is_htmx():
            return _comments_response(circle, post, form, 422)
        return render_template(
            "posts/show.html",
            circle=circle,
            post=post,
            threads=services.list_comments(current_user, post),
            is_host=is_moderator(current_user, circle),
            membership=membership_of(current_user, circle),
            liked=services.liked_ids(current_user, "post", [post.id]),
            liked_comments=set(),
            form=form,
        ), 422
    if is_htmx():
        return _comments_response(circle, post, CommentForm(formdata=None))
    return respond(
        "posts/_comments.html",
        url_for("posts.show", slug=slug, post_id=post.id, _anchor=f"comment-{created_comment.id}"),
        notice=str(HELD_COMMENT_NOTICE) if created_comment.is_pending else None,
    )


def _state() -> bool | None:
    state = request.form.get("state")
    return {"on": True, "off": False}.get(state or "")


@bp.post("/c/<slug>/p/<int:post_id>/like")
@login_required
def like_post(slug: str, post_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    post = services.get_post(current_user, circle, post_id)
    liked, count = services.set_like(current_user, "post", post, _state())
    action = url_for("posts.like_post", slug=slug, post_id=post.id)
    return respond(
        "posts/_like.html",
        url_for("posts.show", slug=slug, post_id=post.id),
        liked=liked,
        count=count,
        action=action,
    )


@bp.post("/c/<slug>/comments/<int:comment_id>/like")
@login_required
def like_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    target = services.get_comment(current_user, circle.id, comment_id)
    liked, count = services.set_like(current_user, "comment", target, _state())
    action = url_for("posts.like_comment", slug=slug, comment_id=target.id)
    return respond(
        "posts/_like.html",
        url_for("posts.show", slug=slug, post_id=target.post_id),
        liked=liked,
        count=count,
        action=action,
        small=True,
    )


def _report(circle: Circle, kind: str, target: Post | Comment, post_id: int) -> ResponseReturnValue:
    form = ReportForm()
    try:
        services.report(current_user, kind, target, reason=form.reason.data or "")
    except Invalid as exc:
        if is_htmx():
            apply_errors(form, exc)
            return render_template("posts/_moderated.html", message=str(exc.fields.get("reason", ""))), 422
        raise
    message = _("Thanks. The hosts will take a look.")
    return respond(
        "posts/_moderated.html",
        url_for("posts.show", slug=circle.slug, post_id=post_id),
        notice=message,
        message=message,
    )


@bp.post("/c/<slug>/p/<int:post_id>/report")
@login_required
def report_post(slug: str, post_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    post = services.get_report_target(current_user, circle, "post", post_id)
    return _report(circle, "post", post, post.id)


@bp.post("/c/<slug>/comments/<int:comment_id>/report")
@login_required
def report_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    target = services.get_report_target(current_user, circle, "comment", comment_id)
    assert isinstance(target, Comment)
    return _report(circle, "comment", target, target.post_id)


ACTION_DONE = {
    "approve": _l("Approved."),
    "reject": _l("Rejected."),
    "pin": _l("Pinned to the top."),
    "unpin": _l("Unpinned."),
    "feature": _l("Featured."),
    "unfeature": _l("No longer featured."),
    "hide": _l("Hidden."),
    "unhide": _l("Visible again."),
    "delete": _l("Deleted."),
    "dismiss": _l("Reports dismissed."),
}


@bp.post("/c/<slug>/p/<int:post_id>/moderate")
@login_required
def moderate_post(slug: str, post_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    post = services.get_post(current_user, circle, post_id)
    action = request.form.get("action", "")
    services.moderate_post(current_user, post, action, reason=request.form.get("reason", ""))
    message = str(ACTION_DONE[action])
    return respond(
        "posts/_moderated.html",
        url_for("posts.show", slug=slug, post_id=post.id),
        notice=message,
        message=message,
    )


@bp.post("/c/<slug>/comments/<int:comment_id>/moderate")
@login_required
def moderate_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    target = services.get_comment(current_user, circle.id, comment_id)
    action = request.form.get("action", "")
    services.moderate_comment(current_user, target, action, reason=request.form.get("reason", ""))
    message = str(ACTION_DONE[action])
    return respond(
        "posts/_moderated.html",
        url_for("posts.show", slug=slug, post_id=target.post_id),
        notice=message,
        message=message,
    )


def _threshold_form(circle: Circle) -> ReportThresholdForm:
    form = ReportThresholdForm(formdata=None)
    form.report_threshold.data = circle.report_threshold
    return form


@bp.route("/c/<slug>/manage")
@login_required
def manage(slug: str) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    return _manage_page(circle, _threshold_form(circle))


def _manage_page(
    circle: Circle, threshold_form: ReportThresholdForm, status: int = 200
) -> ResponseReturnValue:
    queue = services.get_queue(current_user, circle)
    return render_template(
        "posts/manage.html",
        circle=circle,
        queue=queue,
        pending_checkin_comments=checkins.list_held_comments(current_user, circle),
        threshold_form=threshold_form,
        can_cohost=can(current_user, "circle.manage_cohosts", circle),
    ), status


@bp.post("/c/<slug>/manage/report-threshold")
@login_required
def report_threshold(slug: str) -> ResponseReturnValue:
    """Hosts set the report weight that hides content until review (audited)."""
    circle = circles.get_circle(slug)
    form = ReportThresholdForm()
    try:
        circles.set_report_threshold(
            current_user, circle, form.report_threshold.data or "", reason=form.reason.data or ""
        )
    except Invalid as exc:
        apply_errors(form, exc)
        if is_htmx():
            return render_template("posts/_report_threshold.html", circle=circle, threshold_form=form), 422
        return _manage_page(circle, form, 422)
    return respond(
        "posts/_report_threshold.html",
        url_for("posts.manage", slug=slug, _anchor="reports"),
        notice=_("Saved."),
        circle=circle,
        threshold_form=_threshold_form(circle),
        saved=True,
    )
