"""The app and a headless sync share one database: a second process writes while we read."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

from core.store.repository import Store
from tests.factories import account, item

REPO = Path(__file__).resolve().parents[2]
WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from core.store.repository import Store
    from tests.factories import item

    async def main(path):
        store = await Store.open(path)
        for batch in range(10):
            page = [item(1000 + batch * 50 + n) for n in range(50)]
            await store.ingest("work", page)
        await store.close()
        print("wrote 500")

    asyncio.run(main(sys.argv[1]))
    """
)


async def test_a_second_process_writes_while_a_reader_holds_the_database(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    reader = await Store.open(path)
    await reader.ensure_account(account())
    await reader.ingest("work", [item(n) for n in range(1, 11)])

    # Hold a read transaction open for the whole time the other process writes.
    await reader.conn.execute("BEGIN")
    assert await reader.count_items() == 10
    writer = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", WRITER, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert writer.returncode == 0, writer.stderr
    assert "wrote 500" in writer.stdout
    # Our snapshot is stable inside the transaction, and sees everything after it.
    assert await reader.count_items() == 10
    await reader.conn.execute("COMMIT")
    assert await reader.count_items() == 510
    await reader.ingest("work", [item(9999)])
    assert await reader.count_items() == 511
    await reader.close()
