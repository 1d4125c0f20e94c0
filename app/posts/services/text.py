"""Tags, @mentions and the rendering of post and comment bodies."""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from app.core.markdown import render_markdown

MAX_TAGS = 10
MAX_TAG_LEN = 32
_TAG_SPLIT = re.compile(r"[\s,，、#＃;；]+")
_TAG_JUNK = re.compile(r"[^\w\-·]+", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_]{3,20})\b")
LINK_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
_HTML_SPLIT = re.compile(r"(<[^>]+>)")
# Rendered bodies kept per worker process (a few MB at typical post sizes).
RENDER_CACHE_SIZE = 2048


def normalise_tags(raw: str) -> list[str]:
    """`#读书, 跑步 Running` -> ["读书", "跑步", "running"]: deduplicated, in order."""
    tags: list[str] = []
    for part in _TAG_SPLIT.split(raw or ""):
        tag = _TAG_JUNK.sub("", part).strip("-_·").lower()[:MAX_TAG_LEN]
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def mentioned_usernames(text: str) -> list[str]:
    seen: list[str] = []
    for name in MENTION_RE.findall(text or ""):
        if name.lower() not in (s.lower() for s in seen):
            seen.append(name)
    return seen[:20]


def count_links(text: str) -> int:
    return len(LINK_RE.findall(text or ""))


def _link_mentions(html: str) -> str:
    # Only text between tags, never inside links or code, becomes a profile link. Usernames
    # are [A-Za-z0-9_], so the inserted markup needs no escaping.
    out: list[str] = []
    skip = 0
    for part in _HTML_SPLIT.split(html):
        if part.startswith("<"):
            name = part[1:].split(None, 1)[0].rstrip(">").lower() if len(part) > 2 else ""
            if name in ("a", "code", "pre"):
                skip += 1
            elif name in ("/a", "/code", "/pre"):
                skip = max(0, skip - 1)
            out.append(part)
        elif skip:
            out.append(part)
        else:
            out.append(MENTION_RE.sub(r'<a class="mention" href="/u/\1">@\1</a>', part))
    return "".join(out)


# Feeds show the same bodies to every reader, request after request. The output depends on
# the text alone (mention links are by username), so the text is the whole cache key: an
# edit is a new key, and there is nothing to invalidate.
@lru_cache(maxsize=RENDER_CACHE_SIZE)
def render_body(text: str) -> Markup:
    """Markdown -> sanitised HTML with @mentions linked to profiles."""
    return render_markdown(text, preprocess=_link_mentions)


@lru_cache(maxsize=RENDER_CACHE_SIZE * 4)
def render_comment(text: str) -> Markup:
    """Comments are plain text with line breaks and @mentions."""
    html = str(escape(text or "")).replace("\n", "<br>")
    return Markup(_link_mentions(html))
