"""Neutralise text taken from articles before it reaches a chat: one module per markup family.

``plain`` is the base of all: it drops invisible characters and defuses mentions; ``mrkdwn``
(Slack), ``markdown`` (Mattermost, Discord, Teams) and ``html`` (Matrix, Google Chat) also
escape their markup, so quoted text can never ping a room, format, or link.
"""
