"""Receipts (one page of evidence per verdict) and the read-only view of the bot, served by
Starlette under uvicorn (``bot.web.app``, ``bot.web.serve``)."""
