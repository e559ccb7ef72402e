"""A real HTTP server on this machine that serves .ics files (with ETags), for calendar tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def vevent(uid: str, start: str, end: str, summary: str = "Busy") -> str:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270101T000000Z", f"DTSTART:{start}", f"DTEND:{end}"]
    return "\r\n".join([*lines, f"SUMMARY:{summary}", "END:VEVENT", ""])


def ics(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n").encode()


class CalendarServer:
    """Serves ``files[path] = (status, body)``, with an ETag, answering 304 to a matching If-None-Match."""

    def __init__(self):
        self.files: dict[str, tuple[int, bytes]] = {}
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                server.requests.append({"path": self.path, "if_none_match": self.headers.get("If-None-Match")})
                status, body = server.files.get(self.path, (404, b"not here"))
                etag = f'"{hash(body) & 0xFFFFFF:x}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"
