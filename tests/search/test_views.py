"""GET /search: plain and htmx, permissions, escaping, odd input and a constant query count."""

from __future__ import annotations

import pytest

from app.posts import services as posts
from tests.circles.factories import make_post


def test_search_page_shows_highlighted_hits(world, member_client):
    response = member_client.get("/search?q=跑步")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<mark>跑步</mark>" in html
    assert f'data-post-id="{world["pub_post"].id}"' in html
    assert f'data-post-id="{world["secret_post"].id}"' in html
    assert f'href="/c/reading/p/{world["pub_post"].id}"' in html
    assert '<form class="search-form card" method="get" action="/search"' in html


def test_anonymous_visitors_see_public_hits_only(world, anon):
    html = anon.get("/search?q=跑步").get_data(as_text=True)
    assert f'data-post-id="{world["pub_post"].id}"' in html
    assert f'data-post-id="{world["secret_post"].id}"' not in html
    assert "训练计划" not in html


def test_htmx_gets_only_the_results_fragment(world, member_client):
    response = member_client.get("/search?q=跑步&order=newest", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "search-form" not in html
    assert html.index(f'data-ref-id="{world["secret_post"].id}"') < html.index(
        f'data-ref-id="{world["pub_post"].id}"'
    )
    assert response.headers.get("Vary") and "HX-Request" in response.headers["Vary"]


def test_circle_filter_by_slug(world, member_client, anon):
    html = member_client.get("/search?q=跑步&circle=secret").get_data(as_text=True)
    assert f'data-post-id="{world["secret_post"].id}"' in html
    assert f'data-post-id="{world["pub_post"].id}"' not in html
    assert '<option selected value="secret">' in html
    assert anon.get("/search?q=跑步&circle=secret").status_code == 404
    assert anon.get("/search?q=跑步&circle=nope").status_code == 404


def test_empty_state_suggests_topics(world, member, member_client):
    make_post(member, world["public"], "早餐吃什么", tags="#美食")
    html = member_client.get("/search?q=火星探险").get_data(as_text=True)
    assert "没有找到" in html
    assert 'href="/search?q=%E7%BE%8E%E9%A3%9F"' in html  # the 美食 topic
    blank = member_client.get("/search").get_data(as_text=True)
    assert "搜索帖子和评论" in blank


def test_suggested_tags_come_from_recent_posts_one_may_read(world, host, member, monkeypatch):
    from app.search import services as search

    make_post(host, world["private"], "只给成员看", tags="#秘密训练")
    make_post(member, world["public"], "早餐", tags="#美食")
    make_post(member, world["public"], "午餐", tags="#美食")
    make_post(member, world["public"], "晚饭", tags="#夜宵")
    assert sorted(search.suggested_tags(member)) == ["夜宵", "秘密训练", "美食"]
    assert search.suggested_tags(member)[0] == "美食"  # the most used first
    assert "秘密训练" not in search.suggested_tags(world["outsider"])
    assert search.suggested_tags(world["outsider"]) == ["美食", "夜宵"]
    monkeypatch.setattr(search, "RECENT_POSTS", 1)  # only the newest post counts
    assert search.suggested_tags(world["outsider"]) == ["夜宵"]


def test_comments_link_to_their_anchor(world, member, member_client):
    comment = posts.create_comment(member, world["pub_post"], body="算我一个，带水和毛巾")
    html = member_client.get("/search?q=毛巾").get_data(as_text=True)
    assert f'href="/c/reading/p/{world["pub_post"].id}#comment-{comment.id}"' in html
    assert 'data-kind="comment"' in html


def test_user_text_is_escaped(world, member, member_client):
    make_post(member, world["public"], "<script>alert(1)</script> 跳绳 <b>粗体</b>", title="<i>跳绳</i>")
    html = member_client.get("/search?q=跳绳").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<i>" not in html
    assert "&lt;" in html  # the text is shown, escaped
    assert "<mark>跳绳</mark>" in html


@pytest.mark.parametrize(
    "query",
    ["跑步 AND (OR", "title:跑步*", '"', "*?~^{}[]:\\/!", "%00", "跑步" * 2000, "x" * 20000, "page=-1"],
)
def test_odd_input_never_gives_a_500(world, member_client, query):
    response = member_client.get("/search", query_string={"q": query, "page": "abc", "order": "bogus"})
    assert response.status_code == 200


def test_long_queries_say_they_were_cut(world, member_client):
    html = member_client.get("/search", query_string={"q": "跑步" * 200}).get_data(as_text=True)
    assert "只搜索了前 100 个字" in html


def test_pages_link_to_each_other(world, host, member_client):
    for i in range(12):
        make_post(host, world["public"], f"游泳第{i}课")
    first = member_client.get("/search?q=游泳").get_data(as_text=True)
    assert 'rel="next" href="/search?q=%E6%B8%B8%E6%B3%B3&amp;page=2"' in first
    second = member_client.get("/search?q=游泳&page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert second.count('class="search-hit card"') == 2


def test_the_header_links_to_search(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/search" aria-label="搜索" data-search-link' in html


def test_query_count_does_not_grow_with_results(world, host, member, member_client, count_queries):
    make_post(host, world["public"], "咖啡拉花入门")
    member_client.get("/search?q=咖啡")  # warm up caches (the first request of a client)
    with count_queries() as small:
        html = member_client.get("/search?q=咖啡").get_data(as_text=True)
    assert html.count('class="search-hit card"') == 1
    for i in range(8):
        post = make_post(host, world["public"], f"咖啡豆第{i}批")
        posts.create_comment(member, post, body=f"这批咖啡真香{i}")
    with count_queries() as big:
        html = member_client.get("/search?q=咖啡").get_data(as_text=True)
    assert html.count('class="search-hit card"') == 10
    big.assert_count(small.count)
