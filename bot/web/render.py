"""HTML of receipts and the read-only pages: Jinja2 with autoescaping, one inline stylesheet
allowed by its hash in a strict Content-Security-Policy, no script at all.

Every text from an article or an original reaches the page only through autoescaping, and
every link through :func:`bot.web.receipt.safe_link` (http and https only), so a quote that
carries markup, ``javascript:`` links or event attributes shows as the text it is.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.web.receipt import Receipt

HERE = Path(__file__).resolve().parent
CSS = (HERE / "style.css").read_text(encoding="utf-8")
CSS_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode()
_POLICY = (
    "default-src 'none'",
    f"style-src '{CSS_HASH}'",
    "img-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
)
CSP = "; ".join((*_POLICY, "frame-ancestors 'none'"))
"""The Content-Security-Policy header of every page: no script, no plugin, no frame, only
the page's own stylesheet."""
CSP_META = "; ".join(_POLICY)
"""The same policy as a ``<meta>`` of a receipt saved as a file (frame-ancestors cannot be
set there)."""
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
}


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


def render_page(template: str, *, standalone: bool = False, **values: Any) -> str:
    page = environment().get_template(template)
    return page.render(css=CSS, csp_meta=CSP_META, standalone=standalone, **values)


def render_receipt(receipt: Receipt, *, standalone: bool = False) -> str:
    """The receipt as one HTML page; *standalone* adds the policy as a ``<meta>`` (a file)."""
    return render_page("receipt.html", standalone=standalone, r=receipt)
