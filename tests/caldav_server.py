"""A real CalDAV server (Radicale) on this machine, in a subprocess with its own storage folder and
plain htpasswd logins, for calendar tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import icalendar

MKCALENDAR = """<?xml version="1.0" encoding="utf-8"?>
<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>
<d:displayname>{name}</d:displayname>
<c:supported-calendar-component-set><c:comp name="{component}"/></c:supported-calendar-component-set>
</d:prop></d:set></c:mkcalendar>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CaldavServer:
    """Radicale serving ``users`` ({name: password}); :meth:`stop` and :meth:`start` again keep its data."""

    def __init__(self, folder: Path, users: dict[str, str]):
        self.folder = folder
        self.users = users
        self.port = free_port()
        (folder / "users").write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
        (folder / "config").write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {folder / 'users'}\nhtpasswd_encryption = plain\n"
            "delay = 0\n"
            f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
            "[rights]\ntype = owner_only\n"
            "[logging]\nlevel = error\n"
        )
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(self.folder / "config")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ},
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("Radicale did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _client(self, user: str) -> httpx.Client:
        return httpx.Client(base_url=self.url(), auth=(user, self.users[user]), trust_env=False, timeout=10)

    def make_calendar(self, user: str, slug: str, name: str, component: str = "VEVENT") -> str:
        """Create /user/slug/ and return its path."""
        path = f"/{user}/{slug}/"
        with self._client(user) as c:
            c.request("PROPFIND", f"/{user}/", headers={"Depth": "0"})  # creates the principal
            r = c.request("MKCALENDAR", path, content=MKCALENDAR.format(name=name, component=component))
            assert r.status_code == 201, r.text
        return path

    def put(self, user: str, calendar_path: str, uid: str, ics: bytes) -> None:
        with self._client(user) as c:
            r = c.put(f"{calendar_path}{uid}.ics", content=ics, headers={"Content-Type": "text/calendar"})
            assert r.status_code in (201, 204), r.text

    def events(self, user: str, calendar_path: str) -> dict[str, icalendar.Event]:
        """UID -> event of every object in the calendar, read straight from the server."""
        query = (
            '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            '<d:prop><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter>'
            "</c:calendar-query>"
        )
        with self._client(user) as c:
            answer = c.request("REPORT", calendar_path, content=query, headers={"Depth": "1"})
        assert answer.status_code == 207, answer.text
        found = {}
        for data in ET.fromstring(answer.content).iter("{urn:ietf:params:xml:ns:caldav}calendar-data"):
            for event in icalendar.Calendar.from_ical(data.text).walk("VEVENT"):
                found[str(event["UID"])] = event
        return found
