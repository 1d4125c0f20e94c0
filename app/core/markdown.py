"""Markdown -> sanitised HTML, the one renderer for every user text."""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_cjk_friendly import cjk_friendly

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
    "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "class"}, "span": {"class"}, "code": {"class"}}
URL_SCHEMES = {"http", "https", "mailto"}

# html=False: raw HTML in the source is shown as text, never passed through. nh3 then
# sanitises the output again as defence in depth.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)
_md.use(cjk_friendly)

# Bad schemes can hide behind entities or whitespace in markdown link destinations.
_UNSAFE_LINK = re.compile(r"^\s*(javascript|vbscript|data|file):", re.IGNORECASE)
_md.validateLink = lambda url: not _UNSAFE_LINK.match(url)  # type: ignore[method-assign]


def render_markdown(text: str, *, preprocess: Callable[[str], str] | None = None) -> Markup:
    """Render `text`; `preprocess` may turn #tags/@mentions into links on the HTML."""
    html = _md.render(text or "")
    if preprocess is not None:
        html = preprocess(html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    )
    return Markup(clean)


def plain_excerpt(text: str, length: int = 120) -> str:
    """A one-line plain-text excerpt of Markdown source (for cards and notifications)."""
    html = _md.render(text or "")
    plain = nh3.clean(html, tags=set())
    plain = re.sub(r"\s+", " ", plain).strip()
    plain = plain.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return plain if len(plain) <= length else plain[: length - 1] + "…"
