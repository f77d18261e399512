"""One pure renderer per chat platform, registered explicitly in :data:`RENDERERS`.

Each module has a ``name`` and ``render(digest) -> list[Message]``; the outbox
(``bot.deliver``) sends the messages. Limits are counted the way each platform counts them.
"""

from __future__ import annotations

from bot.digest.render import (
    apprise,
    discord,
    googlechat,
    matrix,
    mattermost,
    slack,
    stdout,
    teams,
    webhook,
)
from bot.digest.render.base import Message, Renderer

RENDERERS: dict[str, Renderer] = {
    "slack": slack,
    "mattermost": mattermost,
    "discord": discord,
    "teams": teams,
    "googlechat": googlechat,
    "matrix": matrix,
    "webhook": webhook,
    "apprise": apprise,
    "stdout": stdout,
}

__all__ = ["RENDERERS", "Message", "Renderer"]
