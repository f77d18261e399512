"""A delivery worker that dies on purpose (run by tests/test_deliver_crash.py).

    python tests/crash_child.py DATABASE_URL NOW_ISO before|after

``before``: the process dies once the attempt is committed as "sending", before any byte is
sent. ``after``: it dies once the platform answered, before the answer is committed. Both
are ``os._exit``: no cleanup, no rollback, no finally, as a killed container.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime

import httpx

from bot import db, deliver
from bot.config import Settings
from bot.http import make_async_client

CRASHED = 17


def main() -> None:
    url, now, where = sys.argv[1], datetime.fromisoformat(sys.argv[2]), sys.argv[3]
    settings = Settings(_env_file=None, database_url=url, allow_private_networks=True)  # type: ignore[call-arg]
    engine = db.make_engine(url)
    if where == "before":

        async def die(*_args: object, **_kwargs: object) -> httpx.Response:
            os._exit(CRASHED)

        httpx.AsyncClient.request = die  # type: ignore[assignment,method-assign]
    else:

        def die_after(*_args: object, **_kwargs: object) -> str:
            os._exit(CRASHED)

        deliver._finish = die_after  # type: ignore[assignment]

    async def run() -> None:
        async with make_async_client(settings) as client:
            await deliver.send_deliveries(engine, client, settings, now, owner="doomed")

    asyncio.run(run())
    sys.exit(0)  # not reached when the crash happened


if __name__ == "__main__":
    main()
