"""TikTok: ``blockquote.tiktok-embed[cite][data-video-id]`` (creator embeds skipped)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.extract.html import Node, attr, node_text
from bot.extract.types import Embed

name = "tiktok"
markup = "blockquote.tiktok-embed, iframe[src*='tiktok.com/embed']"

_VIDEO = re.compile(r"tiktok\.com/@(?P<user>[A-Za-z0-9_.]+)/video/(?P<id>\d+)")
_EMBED_IFRAME = re.compile(r"tiktok\.com/embed/(?:v2/)?(?P<id>\d+)")


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css("blockquote.tiktok-embed"):
        if attr(node, "data-embed-type") == "creator":
            continue
        found = _VIDEO.search(attr(node, "cite") or "")
        video_id = attr(node, "data-video-id") or (found.group("id") if found else None)
        if not video_id or not video_id.isdigit():
            continue
        user = found.group("user") if found else None
        section = node.css_first("section")
        author = text = None
        if section is not None:
            author_link = section.css_first("a[title^='@'], a[href*='tiktok.com/@']")
            if author_link is not None and user is None:
                handle = (attr(author_link, "title") or node_text(author_link)).lstrip("@")
                user = handle or None
            # The caption: the section's text without the author link and the ♬ sound link.
            caption = node_text(section)
            for link in section.css("a"):
                label = node_text(link)
                if label.startswith(("@", "♬")):
                    caption = caption.replace(label, " ")
            text = " ".join(caption.split()) or None
        url = (
            f"https://www.tiktok.com/@{user}/video/{video_id}"
            if user
            else f"https://www.tiktok.com/embed/v2/{video_id}"
        )
        yield Embed(
            platform=name,
            url=url,
            post_id=video_id,
            author_name=author,
            author_handle=user,
            text=text,
        )
    for node in tree.css("iframe[src*='tiktok.com/embed']"):
        found_iframe = _EMBED_IFRAME.search(attr(node, "src") or "")
        if found_iframe:
            video_id = found_iframe.group("id")
            url = f"https://www.tiktok.com/embed/v2/{video_id}"
            yield Embed(platform=name, url=url, post_id=video_id)
