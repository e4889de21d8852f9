"""GET /api/events against a real uvicorn process: live delivery, resume, isolation, shutdown."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import httpx
import pytest

from tests.conftest import PASSWORD, AppHarness
from tests.events.conftest import LiveServer, SSEReader, open_stream
from tests.seed_rows import add_workspace

pytestmark = pytest.mark.server


async def _make_project(client: httpx.AsyncClient, name: str) -> None:
    response = await client.post("/api/projects", json={"name": name})
    assert response.status_code == 201, response.text


async def _project_event(reader: SSEReader, name: str) -> int:
    """Wait for the next activity (skipping other event types, e.g. audit.security), which
    must be the creation of project `name`; answers its event id."""
    frame = await reader.next_event()
    while frame.data["type"] != "activity.created":
        frame = await reader.next_event()
    assert frame.data["data"]["type"] == "project_created"
    assert frame.data["data"]["data"]["name"] == name
    assert isinstance(frame.data["timestamp"], int) and frame.data["timestamp"] > 10**12
    assert frame.id is not None
    return frame.id


async def test_connected_then_live_events(start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    async with server.key_client() as client, open_stream(client) as reader:
        hello = await reader.next()
        assert hello.data["type"] == "connected" and hello.data["data"] is None
        assert abs(hello.data["timestamp"] - time.time() * 1000) < 60_000
        assert hello.id is None
        await _make_project(client, "Live One")
        first = await _project_event(reader, "Live One")
        await _make_project(client, "Live Two")
        second = await _project_event(reader, "Live Two")
        assert second > first


async def test_needs_a_viewer(harness: AppHarness, start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    async with server.client() as anon:
        response = await anon.get("/api/events")
        assert response.status_code == 401
    await harness.create_user("watcher", "viewer")
    async with server.client() as viewer:
        login = await viewer.post(
            "/api/auth/login", json={"username": "watcher", "password": PASSWORD}
        )
        assert login.status_code == 200
        async with open_stream(viewer) as reader:
            assert (await reader.next()).data["type"] == "connected"


async def test_heartbeat_comment(start_server: Callable[..., LiveServer]) -> None:
    server = start_server(heartbeat=0.2)
    async with server.key_client() as client, open_stream(client) as reader:
        await reader.next()
        beat = await reader.next(timeout=3)
        while beat.data is not None:  # e.g. the audit.security event of the key's first use
            beat = await reader.next(timeout=3)
        assert beat.comment == "heartbeat" and beat.raw == [": heartbeat"]


async def test_resume_with_last_event_id(start_server: Callable[..., LiveServer]) -> None:
    server = start_server(heartbeat=0.2)
    async with server.key_client() as client:
        async with open_stream(client) as reader:
            await reader.next()
            await _make_project(client, "Before")
            seen = await _project_event(reader, "Before")
        # Missed while disconnected:
        for name in ("Gap A", "Gap B", "Gap C"):
            await _make_project(client, name)
        async with open_stream(client, last_event_id=seen) as reader:
            assert (await reader.next()).data["type"] == "connected"
            replayed = [await _project_event(reader, n) for n in ("Gap A", "Gap B", "Gap C")]
            assert replayed == sorted(replayed) and replayed[0] > seen
            await _make_project(client, "After")
            live = await _project_event(reader, "After")
            assert live > replayed[-1]
            # Nothing is delivered twice: anything that follows is newer, or a heartbeat.
            beats = 0
            with anyio.move_on_after(0.8):
                while True:
                    frame = await reader.next(timeout=2)
                    if frame.comment == "heartbeat":
                        beats += 1
                    else:
                        assert frame.id is not None and frame.id > live, frame.raw
            assert beats >= 1


async def test_only_the_callers_workspace(
    harness: AppHarness, start_server: Callable[..., LiveServer]
) -> None:
    ws_id = await add_workspace(harness, "away")
    await harness.create_user("away-op", "operator", workspace_id=ws_id)
    server = start_server(heartbeat=0.2)
    async with server.key_client() as home, server.client() as away:
        login = await away.post(
            "/api/auth/login", json={"username": "away-op", "password": PASSWORD}
        )
        assert login.status_code == 200
        async with open_stream(away) as away_reader, open_stream(home) as home_reader:
            await away_reader.next()
            await home_reader.next()
            await _make_project(home, "Home Project")
            await _make_project(away, "Away Project")
            # The away stream's first event is its own, not the home one created before it.
            await _project_event(away_reader, "Away Project")
            await _project_event(home_reader, "Home Project")
        # A replay never crosses workspaces either.
        async with open_stream(away, last_event_id=0) as reader:
            await reader.next()
            await _project_event(reader, "Away Project")


async def test_disconnect_releases_the_subscription(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(heartbeat=0.2)

    async def subscribers(client: httpx.AsyncClient) -> int:
        checks = (await client.get("/api/status?action=health")).json()["checks"]
        return int(next(c for c in checks if c["name"] == "event_bus")["subscribers"])

    async with server.key_client() as client:
        async with open_stream(client) as reader:
            await reader.next()
            assert await subscribers(client) == 1
        with anyio.fail_after(5):
            while await subscribers(client) != 0:
                await anyio.sleep(0.1)


async def test_shutdown_ends_open_streams(start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    async with server.key_client() as client, open_stream(client) as reader:
        await reader.next()
        took = await anyio.to_thread.run_sync(server.stop)
        assert took < 5, f"shutdown waited {took:.1f}s for an open stream"
        # uvicorn re-raises the signal after a graceful shutdown, hence -SIGTERM.
        assert server.process.returncode in (0, -15)
        # Frames already in flight (an event raised just before the signal) may still
        # arrive; after them the stream must end rather than hang.
        with pytest.raises((EOFError, httpx.HTTPError)), anyio.fail_after(3):
            while True:
                await reader.next(timeout=3)


async def test_events_cross_server_processes(start_server: Callable[..., LiveServer]) -> None:
    """Two processes on one database: a subscriber on one sees a change made on the other."""
    first = start_server()
    second = start_server()
    async with (
        first.key_client() as listener,
        second.key_client() as writer,
        open_stream(listener) as reader,
    ):
        await reader.next()
        await _make_project(writer, "Elsewhere")
        await _project_event(reader, "Elsewhere")


async def test_mc_serve_with_two_workers(database_url: str, tmp_path: object) -> None:
    """`mc serve --workers 2`: every open stream, on whichever worker, sees every change."""
    import os
    import subprocess
    import sys

    from tests.events.conftest import SRC, free_port

    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": SRC,
            "MC_ENV": "development",
            "MC_DATABASE_URL": database_url,
            "MISSION_CONTROL_DATA_DIR": str(tmp_path),
            "API_KEY": "test-global-api-key-0123456789abcdef0123456789",
            "MC_DISABLE_RATE_LIMIT": "1",
            "MC_LOG_LEVEL": "warning",
        }
    )
    cli = "from mission_control.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", cli, "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    server = LiveServer(process, f"http://127.0.0.1:{port}")
    try:
        with anyio.fail_after(40):
            while True:
                try:
                    async with server.client() as probe:
                        if (await probe.get("/api/health")).status_code == 200:
                            break
                except httpx.HTTPError:
                    await anyio.sleep(0.2)
        clients = [server.key_client() for _ in range(4)]
        try:
            readers = []
            streams = []
            for client in clients:
                stream = open_stream(client)
                readers.append(await stream.__aenter__())
                streams.append(stream)
            for reader in readers:
                await reader.next()
            for n in range(3):
                async with server.key_client() as writer:  # a new connection each time
                    await _make_project(writer, f"Worker {n}")
            for reader in readers:
                ids = [await _project_event(reader, f"Worker {n}") for n in range(3)]
                assert ids == sorted(ids)
            took = await anyio.to_thread.run_sync(server.stop)
            assert took < 8
            for stream in streams:
                await stream.__aexit__(None, None, None)
        finally:
            for client in clients:
                await client.aclose()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
