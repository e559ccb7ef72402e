"""A light load generator for the latency figures: ``wrk`` (C, Debian's package) driven by a Lua script.

The Python generator of ``bench_request_path.py`` costs about as much CPU per request as the server
does for a warm answer, and it shares the machine's two cores with the server: it inflates every
latency it measures. wrk spends a few microseconds per request, so what it measures is the server.

``run(port, requests, seconds=5, clients=16)`` sends the given (method, target, body) requests in turn
over ``clients`` keep-alive connections for ``seconds`` (wrk runs for a duration; the list starts again
when it is sent), and returns p50/p95/p99 in ms, the status counts and the requests per second. Used for
GET workloads; bookings are driven by the Python generator, whose cost is small next to a booking's.
``ensure()`` installs wrk when it is missing (``apt-get``), as ``make test`` does for Chromium.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

_SCRIPT = r"""
local requests = REQUESTS
local threads, counter = {}, 0
function setup(thread)
  thread:set("id", counter)
  thread:set("nthreads", NTHREADS)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  index = id + 1
  c200, other = 0, 0
end
function request()
  -- each thread takes every NTHREADS-th request, from the start again when its share is sent
  local r = requests[index]
  index = index + nthreads
  if index > #requests then index = id + 1 end
  return r
end
function response(status, headers, body)
  if status == 200 then c200 = c200 + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local t = {c200 = 0, other = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local fields = {
    n = summary.requests, seconds = summary.duration / 1e6, timeouts = summary.errors.timeout,
    p50 = latency:percentile(50) / 1000, p95 = latency:percentile(95) / 1000,
    p99 = latency:percentile(99) / 1000, max = latency.max / 1000,
    c200 = t.c200, other = t.other,
  }
  local parts = {}
  for k, v in pairs(fields) do table.insert(parts, string.format("\"%s\": %s", k, v)) end
  io.write("RESULT {" .. table.concat(parts, ", ") .. "}\n")
end
"""


def ensure() -> str:
    """The path of ``wrk``, installed from Debian's packages when missing."""
    found = shutil.which("wrk")
    if found is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


def _lua_string(text: str) -> str:
    return json.dumps(text)  # JSON string escapes are valid Lua string escapes for this ASCII text


def _lua_requests(requests: list[tuple[str, str, bytes | None]]) -> str:
    """The requests as a Lua table of ``wrk.format`` calls (GETs only: bookings use the Python generator)."""
    assert all(method == "GET" and body is None for method, _, body in requests), "wrk sends GETs here"
    return "{\n" + ",\n".join(f'wrk.format("GET", {_lua_string(target)})' for _, target, _ in requests) + "\n}"


def run(port: int, requests: list[tuple[str, str, bytes | None]], *, seconds: int = 5, clients: int = 16) -> dict:
    """Send ``requests`` in turn (from the start again when all are sent) for ``seconds`` from ``clients``
    connections; latencies (ms), status counts and requests per second."""
    wrk = ensure()
    threads = 2
    script = _SCRIPT.replace("REQUESTS", _lua_requests(requests)).replace("NTHREADS", str(threads))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        command = [wrk, f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", f.name]
        out = subprocess.run(
            [*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, timeout=seconds + 60
        ).stdout
    finally:
        Path(f.name).unlink(missing_ok=True)
    found = re.search(r"RESULT (\{.*\})", out)
    if not found:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    row = json.loads(found.group(1))
    row["rps"] = row["n"] / row["seconds"]
    row["codes"] = {k: v for k, v in (("200", row["c200"]), ("other", row["other"])) if v}
    return row
