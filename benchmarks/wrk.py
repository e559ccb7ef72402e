"""A light load generator for the latency figures: ``wrk`` (C, Debian's package) driven by a Lua script.

The Python generator of ``bench_request_path.py`` costs about as much CPU per request as the server
does for a warm answer, and it shares the machine's two cores with the server: it inflates every
latency it measures. wrk spends a few microseconds per request, so what it measures is the server.

``run(port, requests, clients=16, ...)`` sends the given (method, target, body) requests over
``clients`` keep-alive connections, each request once (spread over the threads in turn), and returns
p50/p95/p99 in ms and the status counts (``unanswered``: requests wrk lost track of, at most one or two
in a run). Used for GET workloads; bookings are driven by the Python generator, whose cost is small next to a
booking's. ``ensure()`` installs wrk when it is
missing (``apt-get``), as ``make test`` does for Chromium.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
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
  sent, answered, c200, c201, c409, other = 0, 0, 0, 0, 0, 0
  last_answer_at = os.time()
end
function delay()
  if requests[index] == nil then
    -- This thread's share is sent: its connections wait while the last answers come in. A request lost to
    -- a closed connection is never answered (wrk sends the next one on the new connection): give up on it
    -- after 3 s without an answer.
    if answered >= sent or os.time() - last_answer_at >= 3 then wrk.thread:stop() end
    return 200
  end
  return 0
end
function request()
  local r = requests[index]
  if r == nil then
    -- asked again without delay() first (a connection wrk opened anew): nothing left to send, so stop;
    -- this request is never answered within the run
    wrk.thread:stop()
    return wrk.format("GET", "/api/health")
  end
  index = index + nthreads
  sent = sent + 1
  return r
end
function response(status, headers, body)
  answered = answered + 1
  last_answer_at = os.time()
  if status == 200 then c200 = c200 + 1
  elseif status == 201 then c201 = c201 + 1
  elseif status == 409 then c409 = c409 + 1
  else other = other + 1 end
  if answered >= sent and requests[index] == nil then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local t = {c200 = 0, c201 = 0, c409 = 0, other = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local fields = {
    n = summary.requests, timeouts = summary.errors.timeout,
    p50 = latency:percentile(50) / 1000, p95 = latency:percentile(95) / 1000,
    p99 = latency:percentile(99) / 1000, max = latency.max / 1000,
    c200 = t.c200, c201 = t.c201, c409 = t.c409, other = t.other,
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


def _lua_requests(port: int, requests: list[tuple[str, str, bytes | None]]) -> str:
    rows = []
    for method, target, body in requests:
        if body is None:
            rows.append(f"wrk.format({_lua_string(method)}, {_lua_string(target)})")
        else:
            rows.append(
                f"wrk.format({_lua_string(method)}, {_lua_string(target)}, "
                f'{{["Content-Type"] = "application/json"}}, {_lua_string(body.decode())})'
            )
    return "{\n" + ",\n".join(rows) + "\n}"


def run(
    port: int, requests: list[tuple[str, str, bytes | None]], *, clients: int = 16, threads: int = 2, limit: float = 300
) -> dict:
    """Send every request once from ``clients`` connections; latencies (ms), status counts and req/s."""
    wrk = ensure()
    script = _SCRIPT.replace("REQUESTS", _lua_requests(port, requests)).replace("NTHREADS", str(threads))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        started = time.perf_counter()
        # wrk sleeps for its whole duration before joining its threads; ``limit`` only bounds a stuck run, and
        # the run is ended as soon as the answers are in (SIGINT makes wrk report what it has).
        proc = subprocess.Popen(
            [
                wrk,
                f"-t{threads}",
                f"-c{clients}",
                f"-d{int(limit)}s",
                "--timeout",
                "30s",
                "-s",
                f.name,
                f"http://127.0.0.1:{port}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        out = _wait_for_answers(proc, len(requests), started, limit)
    finally:
        Path(f.name).unlink(missing_ok=True)
    found = re.search(r"RESULT (\{.*\})", out)
    if not found:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    row = json.loads(found.group(1))
    row["unanswered"] = len(requests) - row["n"]
    # From wrk's start until its threads had stopped, in 0.1 s looks: a little low for short runs.
    row["rps"] = row["n"] / float(re.search(r"ELAPSED (\S+)", out).group(1))
    row["codes"] = {k: v for k, v in (("200", row["c200"]), ("201", row["c201"]), ("409", row["c409"])) if v}
    if row["other"]:
        row["codes"]["other"] = row["other"]
    return row


def _wait_for_answers(proc: subprocess.Popen, expected: int, started: float, limit: float) -> str:
    """wrk's output, stopping it once its threads have stopped (it would sleep out its duration)."""
    import psutil

    process = psutil.Process(proc.pid)
    deadline = started + limit
    while proc.poll() is None and time.perf_counter() < deadline:
        time.sleep(0.1)
        try:
            # wrk's threads end when their shares are answered; only the main thread is left sleeping.
            if process.num_threads() == 1:
                break
        except psutil.NoSuchProcess:
            break
    elapsed = time.perf_counter() - started
    if proc.poll() is None:
        proc.send_signal(2)
    out, _ = proc.communicate(timeout=30)
    return out + f"\nELAPSED {elapsed}\n"
