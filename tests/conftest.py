"""Shared fixtures; any network access beyond loopback fails loudly."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.content import Content, load_content
from bot.engine.rules import RuleSet
from bot.services.database import Database
from tests import databases

ROOT = Path(__file__).resolve().parents[1]
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    inet = self.family in (socket.AF_INET, socket.AF_INET6)
    if (
        inet
        and isinstance(host, str)
        and not (host.startswith("127.") or host in ("::1", "localhost"))
    ):
        raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    yield


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(ROOT / "prompts")


@pytest.fixture(scope="session")
def rules(content: Content) -> RuleSet:
    return content.rules["en"]


@pytest.fixture(params=databases.backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: SQLite always, PostgreSQL too when TEST_POSTGRES_URL is set."""
    backend: str = request.param
    request.node.user_properties.append(("database", backend))
    with databases.database_url(backend, tmp_path) as url:
        yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A real database with the real Alembic migrations applied."""
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.close()


def pytest_report_header(config: pytest.Config) -> str:
    return f"databases: {', '.join(databases.backends())}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line CI can check: how many database tests passed or failed on each backend."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            props = dict(getattr(report, "user_properties", []))
            if "database" in props and getattr(report, "when", "call") in ("call", "setup"):
                if outcome == "passed" and report.when != "call":
                    continue
                per = counts.setdefault(props["database"], {})
                per[outcome] = per.get(outcome, 0) + 1
    if counts:
        parts = [
            f"{name} ({', '.join(f'{n} {o}' for o, n in sorted(per.items()))})"
            for name, per in sorted(counts.items())
        ]
        terminalreporter.write_line(f"databases run: {'; '.join(parts)}")
