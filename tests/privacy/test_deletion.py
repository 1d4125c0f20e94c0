"""Account deletion: the member is anonymised, content stays as 已注销用户, the books balance."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.audit import AuditEntry
from app.core.db import db, use_case
from app.core.uploads import Upload
from app.mail.models import MailMessage, MailPreference
from app.points import ledger
from app.privacy import exports
from app.privacy.models import AccountDeletion, DataExport
from app.search import services as search
from app.store import services as store
from app.store.models import Order
from tests.helpers import PASSWORD, TestClient, make_user
from tests.store.factories import make_item


def delete(client: TestClient, username: str, password: str = PASSWORD) -> object:
    return client.form("/me/delete", {"password": password, "confirm_username": username})


def test_the_confirm_page_says_what_happens(member_client):
    html = member_client.get("/me/delete").get_data(as_text=True)
    assert "已注销用户" in html and 'name="confirm_username"' in html and 'name="password"' in html
    assert "meimei" in html


def test_deleting_anonymises_keeps_content_and_balances_the_books(app, member, member_client, data, anon):
    member_id = member.id
    post = data.posts[0]
    picture_paths = [f.upload.path(v) for f in post.files for v in f.upload.variants]
    assert picture_paths and all(p.is_file() for p in picture_paths)
    # A ready export of theirs goes too.
    export = exports.request_export(member)
    assert exports.wait_for_threads(30)
    db.session.rollback()
    export_file = exports.file_path(db.session.get(DataExport, export.export.id))
    assert export_file.is_file()
    points_before = member.points
    other_session: TestClient = app.test_client()  # type: ignore[assignment]
    other_session.login("meimei")

    response = delete(member_client, "meimei")
    assert response.status_code == 303 and response.headers["Location"] == "/"

    user = db.session.get(User, member_id)
    assert user.username == f"deleted-{member_id}" and user.display_name == "已注销用户"
    assert user.email == f"deleted-{member_id}@deleted.invalid"
    assert (user.bio, user.avatar_id, user.invite_code, user.role) == ("", None, None, "member")
    assert user.is_banned and user.points == points_before
    assert db.session.get(AccountDeletion, member_id).files_deleted == 3  # 2 post pictures + 1 check-in
    # Files and exports are gone; the content stays, by 已注销用户.
    assert not any(p.exists() for p in picture_paths) and not export_file.exists()
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 0
    assert (
        db.session.scalar(select(func.count()).select_from(Upload).where(Upload.owner_id == member_id)) == 0
    )
    page = anon.get(f"/c/reading/p/{post.id}").get_data(as_text=True)
    assert "已注销用户" in page and "今天读完了" in page and "梅梅" not in page
    # The ledger and orders are untouched: the audit stays clean.
    assert ledger.find_discrepancies() == []
    result = app.test_cli_runner().invoke(args=["points", "audit"])
    assert result.exit_code == 0 and "points audit OK" in result.output
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.user_id == member_id)) == 1
    # Logged out everywhere, and no way back in.
    assert other_session.get("/me").status_code == 302
    assert member_client.get("/me").status_code == 302
    for login in ("meimei", "meimei@example.com", f"deleted-{member_id}"):
        assert anon.form("/auth/login", {"login": login, "password": PASSWORD}).status_code == 422
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.delete")).one()
    assert entry.target_id == member_id and entry.data["files"] == 3


def test_wrong_password_or_username_changes_nothing(member, member_client):
    response = delete(member_client, "meimei", password="not-my-password")
    assert response.status_code == 422 and "密码不正确" in response.get_data(as_text=True)
    response = delete(member_client, "someone")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="someone"' in html
    assert db.session.get(User, member.id).username == "meimei"
    assert member_client.get("/me").status_code == 200


def test_pending_physical_orders_block_the_deletion(app, admin, member, member_client):
    item = make_item(admin, title="定制笔记本", kind="physical", points_cost=0, stock=3)
    store.redeem(
        member,
        item.id,
        request_id="req-note-0001",
        recipient="梅梅",
        phone="13800000000",
        address="上海市徐汇区漕溪北路 88 号 3 楼",
    )
    assert "待发货" in member_client.get("/me/delete").get_data(as_text=True)
    response = delete(member_client, "meimei")
    assert response.status_code == 409
    assert db.session.get(User, member.id).username == "meimei"


def test_the_last_admin_cannot_delete_themselves(app, admin, admin_client):
    response = delete(admin_client, "opsadmin")
    assert response.status_code == 409 and "唯一的管理员" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).role == "admin"
    make_user("secondadmin", role="admin")
    assert delete(admin_client, "opsadmin").status_code == 303
    assert db.session.get(User, admin.id).username == f"deleted-{admin.id}"


def test_search_forgets_the_deleted_members_name(app, member, member_client, data, anon):
    assert search.search(None, "梅梅").hits
    assert delete(member_client, "meimei").status_code == 303
    assert search.search(None, "梅梅").hits == []
    # The content itself is still found, now by 已注销用户.
    hits = search.search(None, "活着").hits
    assert hits and all(h.shown.author.name == "已注销用户" for h in hits if hasattr(h.shown, "author"))


def test_english_readers_see_deleted_user(app, member, member_client, data, anon):
    assert delete(member_client, "meimei").status_code == 303
    anon.set_cookie("lang", "en")
    page = anon.get(f"/c/reading/p/{data.posts[0].id}").get_data(as_text=True)
    assert "Deleted user" in page and "已注销用户" not in page and "梅梅" not in page


def test_deletion_drops_the_members_email_address_and_queued_mail(app, member, member_client):
    member_client.form("/me/email", {"replies": "y", "digest": "y", "language": "en"})
    assert db.session.get(MailPreference, member.id) is not None
    use_case(lambda: db.session.add(_queued_mail(member.id)))()
    other = make_user("bystander")
    use_case(lambda: db.session.add(_queued_mail(other.id)))()

    assert delete(member_client, "meimei").status_code == 303

    assert db.session.get(MailPreference, member.id) is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(MailMessage).where(MailMessage.user_id == member.id)
        )
        == 0
    )
    # Nobody else's mail is touched.
    assert (
        db.session.scalar(
            select(func.count()).select_from(MailMessage).where(MailMessage.user_id == other.id)
        )
        == 1
    )


def _queued_mail(user_id):
    return MailMessage(
        uid=f"test-{user_id}",
        user_id=user_id,
        category="replies",
        to_address=f"u{user_id}@example.com",
        subject="有人回复了你",
        text_body="hi",
        html_body="<p>hi</p>",
        headers={},
    )
