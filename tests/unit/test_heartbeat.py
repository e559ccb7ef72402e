"""Heartbeats on a shared beat (``trainerdesk.heartbeat``): a real engine.io socket's next ping goes
out on the first beat after its interval, pings due within one beat go out together, and the
coroutine the module replaces is still the one python-engineio runs."""

from __future__ import annotations

import asyncio
import inspect

import engineio
import pytest
from engineio import async_socket, packet
from hypothesis import given, strategies as st

from tests.conftest import run_coroutine
from trainerdesk import heartbeat


@given(st.floats(min_value=0, max_value=1e7, allow_subnormal=False), st.sampled_from([0.5, 1.0, 5.0, 7.0]))
def test_the_next_beat_is_the_first_multiple_of_the_beat_not_before_the_moment(moment, beat):
    at = heartbeat.next_beat(moment, beat)
    assert moment <= at < moment + beat + 1e-6 * max(1.0, moment)
    assert at / beat == pytest.approx(round(at / beat), abs=1e-6)


def test_the_replaced_coroutine_is_still_engineios_sleep_then_ping():
    # heartbeat._send_ping_on_the_beat is a copy of this coroutine with the sleep changed: an upgrade
    # of python-engineio that changes it must be read before the copy is trusted again.
    source = inspect.getsource(heartbeat._ORIGINAL)
    assert "await asyncio.sleep(self.server.ping_interval)" in source
    assert "if not self.closing and not self.closed:" in source
    assert "self.last_ping = time.time()" in source
    assert "await self.send(packet.Packet(packet.PING))" in source
    assert "self.server.start_background_task(self._send_ping)" in inspect.getsource(
        async_socket.AsyncSocket.schedule_ping
    )


@pytest.fixture
def beat(monkeypatch):
    # Whatever the process had (the app's import installs the beat too) comes back after the test.
    monkeypatch.setattr(async_socket.AsyncSocket, "_send_ping", async_socket.AsyncSocket._send_ping)
    heartbeat.install()
    monkeypatch.setattr(heartbeat, "BEAT_SECONDS", 0.25)
    return 0.25


async def _ping_times(server: engineio.AsyncServer, opened_at: list[float]) -> list[tuple[float, float]]:
    """Open a real engine.io socket at each offset, let each schedule its ping as after an answer,
    and return (scheduled, sent) on the loop's clock for each."""
    loop = asyncio.get_running_loop()
    sockets, scheduled = [], []
    start = heartbeat.next_beat(loop.time(), heartbeat.BEAT_SECONDS) + 0.01  # just after a beat
    for offset in opened_at:
        await asyncio.sleep(max(0.0, start + offset - loop.time()))
        s = async_socket.AsyncSocket(server, f"page-{offset}")
        s.connected = True
        s.last_ping = 1.0  # an answer just came in: schedule_ping starts the next wait
        scheduled.append(loop.time())
        s.schedule_ping()
        sockets.append(s)
    sent = []
    for s in sockets:
        pkt = await asyncio.wait_for(s.queue.get(), timeout=5)
        assert pkt.packet_type == packet.PING
        sent.append(loop.time())
    return list(zip(scheduled, sent, strict=True))


def test_pings_go_out_on_the_beat_after_their_interval(beat):
    server = engineio.AsyncServer(async_mode="asgi", ping_interval=0.3, ping_timeout=5)
    times = run_coroutine(_ping_times(server, [0.0, 0.05, 0.1, 0.15]))
    for scheduled, sent in times:
        # Never before the first beat after engine.io's interval (asyncio timers never fire early);
        # the loop's lateness under load is the only slack.
        assert sent >= heartbeat.next_beat(scheduled + 0.3, beat) - 1e-3
        assert sent < heartbeat.next_beat(scheduled + 0.3, beat) + 0.5
    # Opened over 150 ms just after a beat, all due within the next-but-one beat: they go out together.
    assert max(s for _, s in times) - min(s for _, s in times) < 0.03
