"""Heartbeats on a shared beat: engine.io's pings of the open pages, sent together instead of one by one.

Engine.io pings every open page every ``REFLEX_SOCKET_INTERVAL`` seconds and the page answers; with
thousands of idle pages these heartbeats are nearly all the server does. A ping's own work is small;
what it costs is waking up: the event loop's thread for the ping, Granian's I/O thread to write it,
and both again for the answer. Pages open at random moments, so each page's ping comes alone and
pays every wake-up itself: about 0.36 ms of CPU per ping and answer, against about 0.13 ms when
pings come close together (docs/performance.md, "Live updates at scale", run E).

So a page's next ping is not sent ``interval`` seconds after its last answer but at the first
multiple of :data:`BEAT_SECONDS` of the event loop's clock after that: every ping due within one
beat goes out in the same wake-up, and their answers come back together. A page then waits between
``interval`` and ``interval + BEAT_SECONDS`` between pings (rxconfig.py takes the beat off the
interval, so a load balancer's idle timeout sees a ping at least every 50 s). A dead page is still
found by engine.io's ping timeout (120 s), which the beat does not touch.

:func:`install` replaces the one coroutine of python-engineio (pinned in requirements.txt) that
sleeps before a ping; ``tests/unit/test_heartbeat.py`` fails when an upgrade changes that coroutine.
"""

from __future__ import annotations

import asyncio
import math
import time

from engineio import async_socket, packet

# Pings due within one beat go out together. Five seconds groups a few hundred pings per beat for
# 5,000 pages on one process (a few ms of the loop's time), and adds at most 5 s to a ping's wait.
BEAT_SECONDS = 5.0

_ORIGINAL = async_socket.AsyncSocket._send_ping


def next_beat(moment: float, beat: float = BEAT_SECONDS) -> float:
    """The first multiple of ``beat`` at or after ``moment`` (both on the event loop's clock)."""
    return math.ceil(moment / beat) * beat


async def _send_ping_on_the_beat(self: async_socket.AsyncSocket) -> None:
    # engineio.async_socket.AsyncSocket._send_ping, with its sleep ending on the beat.
    loop = asyncio.get_running_loop()
    now = loop.time()
    await asyncio.sleep(next_beat(now + self.server.ping_interval, BEAT_SECONDS) - now)
    if not self.closing and not self.closed:
        self.last_ping = time.time()  # wall clock, as engine.io compares it
        await self.send(packet.Packet(packet.PING))


def install() -> None:
    """Send this process's engine.io pings on the beat (idempotent)."""
    async_socket.AsyncSocket._send_ping = _send_ping_on_the_beat
