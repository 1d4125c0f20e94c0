"""Campaign pages, checking in, likes, the hosts' recommend/review and the 打卡 tab."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.circles import services as circles
from app.circles.models import Circle
from app.circles.policies import membership_of
from app.core import clock
from app.core.errors import Invalid
from app.core.forms import apply_errors, checkbox
from app.core.htmx import created, is_htmx, page_or_fragment, respond
from app.core.permissions import can
from app.core.templating import current_lang

from . import services
from .forms import CampaignForm, CheckinCommentForm, CheckinForm, MakeupForm, ReviewForm
from .models import Campaign, Checkin

bp = Blueprint("checkins", __name__)

HELD_COMMENT_NOTICE = _l(
    "Your comment contains a sensitive word, so the hosts will review it first. "
    "We will let you know when it is approved."
)


def _badge_choices(circle: Circle) -> list[tuple[str, str]]:
    return [("", _("No badge"))] + [(str(b.id), b.name) for b in services.list_badge_choices(circle)]


def _tier_choices() -> list[SelectChoice]:
    lang = current_lang()
    return [SelectChoice("", _("Every member of the circle"))] + [
        SelectChoice(t.slug, _("%(tier)s and up", tier=t.name(lang))) for t in services.list_tier_choices()
    ]


@bp.route("/c/<slug>/campaigns/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    services.check_can_create(current_user, circle)
    form = CampaignForm()
    form.badge_id.choices = _badge_choices(circle)
    form.min_tier.choices = _tier_choices()
    if form.validate_on_submit():
        badge = form.badge_id.data or ""
        draft = services.CampaignDraft(
            title=form.title.data or "",
            prompt=form.prompt.data or "",
            start_date=form.start_date.data,
            days=form.days.data,
            points_per_checkin=form.points_per_checkin.data,
            completion_points=form.completion_points.data,
            badge_id=int(badge) if badge.isdigit() else None,
            makeup_cards=form.makeup_cards.data,
            repeat_weekly=checkbox(request.form.get("repeat_weekly")),
            min_length=form.min_length.data,
            photo_required=checkbox(request.form.get("photo_required")),
            min_tier=form.min_tier.data or "",
        )
        try:
            campaign = services.create_campaign(current_user, circle, draft)
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            location = url_for("checkins.show", slug=circle.slug, campaign_id=campaign.id)
            return created(location, notice=_("The campaign is ready. Invite your members to check in!"))
    elif request.method == "GET":
        form.start_date.data = services.default_start()
    status = 422 if request.method == "POST" else 200
    return render_template("checkins/new.html", form=form, circle=circle), status


def _card_context(
    circle: Circle,
    checkins: list[Checkin],
    comment_form: CheckinCommentForm | None = None,
    comment_for: int | None = None,
) -> dict[str, Any]:
    """What the cards need, in a constant number of queries whatever the page holds."""
    ids = [c.id for c in checkins]
    return {
        "circle": circle,
        "is_host": can(current_user, "checkin.moderate", circle),
        "can_comment": can(current_user, "checkin.comment", circle),
        "liked": services.liked_ids(current_user, ids),
        "reviews": services.reviews_for(ids, viewer=current_user),
        "comments": services.comments_for(ids, viewer=current_user, circle=circle),
        "review_form": ReviewForm(formdata=None),
        # A bound form (kept text, errors) belongs only to the check-in that was commented on.
        "comment_form_for": lambda checkin_id: _comment_form(
            checkin_id, comment_form if checkin_id == comment_for else None
        ),
    }


def _comment_form(checkin_id: int, bound: CheckinCommentForm | None = None) -> CheckinCommentForm:
    """The comment form of one card (its own field id: a page shows many of them)."""
    form = bound or CheckinCommentForm(formdata=None)
    form.body.id = form.body.label.field_id = f"checkin-comment-body-{checkin_id}"
    return form


def _panel_context(
    circle: Circle, campaign: Campaign, form: CheckinForm | None = None, makeup: MakeupForm | None = None
) -> dict[str, Any]:
    run = services.current_run(campaign)
    progress = services.get_progress(current_user, campaign, run)
    makeup = makeup or MakeupForm(formdata=None)
    makeup.day.choices = [(d.isoformat(), d.strftime("%m-%d")) for d in progress.makeup_days]
    return {
        "circle": circle,
        "campaign": campaign,
        "progress": progress,
        "form": form or CheckinForm(formdata=None),
        "makeup_form": makeup,
        "can_check_in": can(current_user, "checkin.create", circle),
        "membership": membership_of(current_user, circle),
        "tier_needed": campaign_lock(campaign),
    }


def _page_context(
    circle: Circle,
    campaign: Campaign,
    comment_form: CheckinCommentForm | None = None,
    comment_for: int | None = None,
    **panel: Any,
) -> dict[str, Any]:
    feed = services.list_checkins(current_user, circle, campaign, cursor=request.args.get("cursor") or None)
    recommended = services.list_recommended(campaign, viewer=current_user, circle=circle)
    context = _panel_context(circle, campaign, **panel)
    context.update(_card_context(circle, feed.items + recommended, comment_form, comment_for))
    context.update(
        feed=feed,
        recommended=recommended,
        more_url=url_for("checkins.show", slug=circle.slug, campaign_id=campaign.id, cursor=feed.next_cursor),
    )
    return context


@bp.route("/c/<slug>/campaigns/<int:campaign_id>")
def show(slug: str, campaign_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    campaign = services.get_campaign(current_user, circle, campaign_id)
    return page_or_fragment(
        "checkins/show.html", "checkins/_feed_items.html", **_page_context(circle, campaign)
    )


def _parse_day(raw: str | None) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(fields={"day": _("Pick a day from the list.")}) from None


@bp.post("/c/<slug>/campaigns/<int:campaign_id>/checkin")
@login_required
def checkin(slug: str, campaign_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    campaign = services.get_campaign(current_user, circle, campaign_id)
    makeup = bool((request.form.get("day") or "").strip())
    form = MakeupForm() if makeup else CheckinForm()
    upload = request.files.get("image")
    has_image = upload is not None and bool(upload.filename)
    try:
        result = services.record_checkin(
            current_user,
            campaign,
            body=form.body.data or "",
            image=upload.stream if upload is not None and has_image else None,
            image_filename=upload.filename if upload is not None and has_image else None,
            day=_parse_day(request.form.get("day")),
        )
    except Invalid as exc:
        apply_errors(form, exc)
        panel: dict[str, Any] = {"makeup": form} if isinstance(form, MakeupForm) else {"form": form}
        if is_htmx():
            return render_template("checkins/_panel.html", **_panel_context(circle, campaign, **panel)), 422
        return render_template("checkins/show.html", **_page_context(circle, campaign, **panel)), 422
    if not result.created:
        notice = _("You already checked in for that day.")
    elif result.completed:
        notice = _("Checked in, and you finished every day. Congratulations!")
    else:
        notice = _("Checked in! See you tomorrow.")
    context: dict[str, Any] = {}
    if is_htmx():  # a plain POST gets a redirect: only htmx needs the panel's data
        context = _panel_context(circle, campaign)
        context.update(_card_context(circle, [result.checkin]))
        context.update(new_checkin=result.checkin if result.created else None, just_done=notice)
    return respond(
        "checkins/_panel.html",
        # The route's own id: the campaign was expired by the commit and a plain POST needs
        # nothing else from it.
        url_for("checkins.show", slug=slug, campaign_id=campaign_id),
        notice=notice,
        triggers=["points-changed"] if result.created else None,
        **context,
    )


def _state() -> bool | None:
    return {"on": True, "off": False}.get(request.form.get("state") or "")


@bp.post("/c/<slug>/checkins/<int:checkin_id>/like")
@login_required
def like(slug: str, checkin_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    target = services.get_checkin(current_user, circle, checkin_id)
    liked, count = services.set_checkin_like(current_user, circle, target, _state())
    return respond(
        "posts/_like.html",
        url_for("checkins.show", slug=slug, campaign_id=target.campaign_id, _anchor=f"checkin-{target.id}"),
        liked=liked,
        count=count,
        action=url_for("checkins.like", slug=slug, checkin_id=target.id),
    )


def _card_response(circle: Circle, target: Checkin, notice: str, status: int = 200) -> ResponseReturnValue:
    context = _card_context(circle, [target])
    return respond(
        "checkins/_card.html",
        url_for(
            "checkins.show", slug=circle.slug, campaign_id=target.campaign_id, _anchor=f"checkin-{target.id}"
        ),
        notice=notice,
        checkin=target,
        status=status,
        **context,
    )


@bp.post("/c/<slug>/checkins/<int:checkin_id>/recommend")
@login_required
def recommend(slug: str, checkin_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    target = services.get_checkin(current_user, circle, checkin_id)
    state = _state()
    wanted = (not target.is_recommended) if state is None else state
    services.set_recommended(current_user, circle, target, wanted)
    return _card_response(
        circle, target, _("Recommended.") if wanted else _("Taken off the recommended list.")
    )


@bp.post("/c/<slug>/checkins/<int:checkin_id>/review")
@login_required
def review(slug: str, checkin_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    target = services.get_checkin(current_user, circle, checkin_id)
    form = ReviewForm()
    try:
        services.review_checkin(current_user, circle, target, body=form.body.data or "")
    except Invalid as exc:
        if not is_htmx():
            raise
        apply_errors(form, exc)
        context = _card_context(circle, [target])
        context["review_form"] = form
        return render_template("checkins/_card.html", checkin=target, **context), 422
    return _card_response(circle, target, _("Your comment was sent."))


@bp.post("/c/<slug>/checkins/<int:checkin_id>/comments")
@login_required
def comment(slug: str, checkin_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    target = services.get_checkin(current_user, circle, checkin_id)
    form = CheckinCommentForm()
    back = url_for(
        "checkins.show", slug=slug, campaign_id=target.campaign_id, _anchor=f"checkin-comments-{target.id}"
    )
    try:
        written = services.comment_on_checkin(current_user, circle, target, body=form.body.data or "")
    except Invalid as exc:
        apply_errors(form, exc)
        if is_htmx():
            context = _card_context(circle, [target], form, target.id)
            return render_template("checkins/_comments.html", checkin=target, **context), 422
        page = _page_context(circle, target.campaign, comment_form=form, comment_for=target.id)
        return render_template("checkins/show.html", **page), 422
    held = written.status == "pending"
    return respond(
        "checkins/_comments.html",
        back,
        notice=str(HELD_COMMENT_NOTICE) if held else _("Comment sent."),
        triggers=["points-changed"],
        checkin=target,
        count_oob=True,
        **_card_context(circle, [target]),
    )


@bp.post("/c/<slug>/checkin-comments/<int:comment_id>/moderate")
@login_required
def moderate_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    circle = circles.get_circle(slug)
    target = services.get_checkin_comment(current_user, circle, comment_id)
    action = request.form.get("action", "")
    reason = request.form.get("reason", "")
    services.moderate_checkin_comment(current_user, circle, target, action, reason=reason)
    message = _("Approved.") if action == "approve" else _("Rejected.")
    return respond(
        "posts/_moderated.html",
        url_for("posts.manage", slug=slug, _anchor="pending-comments"),
        notice=message,
        message=message,
    )


@bp.route("/checkins")
@login_required
def mine() -> ResponseReturnValue:
    return render_template(
        "checkins/mine.html", mine=services.my_checkins(current_user), today_date=clock.today()
    )


@bp.app_template_global("campaign_lock")
def campaign_lock(campaign: Campaign) -> Any:
    """The tier the viewer still needs for a tier-exclusive campaign, or None.

    The viewer's effective tier costs two queries; it is worked out once per request and
    only when a page shows a tier-exclusive campaign.
    """
    if campaign.min_tier_id is None:
        return None
    if not current_user.is_authenticated:
        return services.campaign_tier(campaign)
    if "viewer_tier" not in g:
        g.viewer_tier = services.effective_tier(current_user)
    return services.locked_tier(current_user, campaign, g.viewer_tier)


@bp.app_template_global("campaign_tier")
def campaign_tier(campaign: Campaign) -> Any:
    """The tier a campaign is exclusive to (None: open to all)."""
    return services.campaign_tier(campaign) if campaign.min_tier_id is not None else None


@bp.app_template_global("circle_campaigns")
def circle_campaigns(circle: Circle) -> list[Campaign]:
    """The circle's campaigns for its check-ins tab (the posts feature renders that tab)."""
    return services.list_circle_campaigns(circle, limit=5)
