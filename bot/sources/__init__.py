"""Watching news sources: feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed), news sitemaps and
sitemap indexes, section pages, and statement feeds.

Pure parsing (bytes in, values out) lives in :mod:`bot.sources.items`, ``feeds``,
``sitemaps``, ``pages``, ``detect`` and ``politeness``; the impure shell is
:mod:`bot.sources.poll` (``poll_due_sources``), :mod:`bot.sources.store` (articles and
alerts) and :mod:`bot.sources.probe` (``sources add`` detection and ``sources test``).
"""
