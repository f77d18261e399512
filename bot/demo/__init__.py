"""The bundled demo: an invented article and the invented originals it quotes.

Every person, post and statement here is made up. The article covers each verdict:
verbatim (an embedded post), excerpt, elided, altered, misattributed, deleted, not found.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
ARTICLE = FOLDER / "article.html"
ORIGINALS = FOLDER / "originals.jsonl"
