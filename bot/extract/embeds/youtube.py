"""YouTube: ``/embed/ID`` iframes (youtube-nocookie too, lazy ``data-src``) and ``amp-youtube``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.extract.html import Node, attr
from bot.extract.types import Embed

name = "youtube"
markup = (
    "iframe[src*='youtube.com/embed/'], iframe[src*='youtube-nocookie.com/embed/'], "
    "iframe[data-src*='youtube'], amp-youtube"
)

_EMBED = re.compile(
    r"^(?:https?:)?//(?:www\.)?youtube(?:-nocookie)?\.com/embed/(?P<id>[A-Za-z0-9_-]{11})(?:[?#/]|$)"
)
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_NOT_VIDEOS = {"videoseries"}  # playlist embeds


def permalink(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css("iframe"):
        for source in (attr(node, "src"), attr(node, "data-src"), attr(node, "data-lazy-src")):
            found = _EMBED.match(source or "")
            if found and found.group("id") not in _NOT_VIDEOS:
                video_id = found.group("id")
                yield Embed(platform=name, url=permalink(video_id), post_id=video_id)
                break
    for node in tree.css("amp-youtube[data-videoid]"):
        video_id = attr(node, "data-videoid")
        if video_id and _VIDEO_ID.match(video_id):
            yield Embed(platform=name, url=permalink(video_id), post_id=video_id)
