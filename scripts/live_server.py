"""Start the production server the way ``make run`` does, for browser tests, crash tests and load benchmarks.

with LiveServer(port, env, log_path) as server:
    ...  # server.base is http://localhost:<port>
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Optional

import httpx

ROOT = Path(__file__).resolve().parents[1]


# What a second instance needs of its own (each Reflex app compiles into its own .web/), and what
# it can share with this checkout.
APP_FILES = (
    "rxconfig.py",
    "trainerdesk",
    "assets",
    "alembic",
    "alembic.ini",
    "scripts",
    "reflex.lock",
    "pyproject.toml",
)
SHARED = (".venv", ".tools", ".bun-cache")


def copy_app(target: Path) -> Path:
    """A copy of the app in ``target`` for another instance on this machine (venv and tools linked)."""
    target.mkdir(parents=True)
    for name in APP_FILES:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / name)
    for name in SHARED:
        if (ROOT / name).exists():
            (target / name).symlink_to(ROOT / name)
    return target


class ServerFailed(RuntimeError):
    pass


class LiveServer:
    def __init__(self, port: int, env: dict, log_path: Path, app_dir: Path = ROOT):
        self.port, self.env, self.log_path, self.app_dir = port, env, Path(log_path), Path(app_dir)
        self.base = f"http://localhost:{port}"
        self.proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 300) -> LiveServer:
        log = open(self.log_path, "a")
        env = {**self.env, "PORT": str(self.port), "PUBLIC_URL": self.base}
        self.proc = subprocess.Popen(
            [str(self.app_dir / "scripts" / "serve.sh")],
            cwd=self.app_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise ServerFailed(f"the app stopped while starting:\n{self.log_tail()}")
            try:
                if (
                    httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200
                    and httpx.get(f"{self.base}/", timeout=5).status_code == 200
                ):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise ServerFailed(f"the app did not start in {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text()[-chars:] if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL every process of the server at once: a crash, not a shutdown.

        serve.sh starts Reflex in a session of its own (so Ctrl-C can stop it as a group), so the
        processes are found as descendants, not by process group.
        """
        if not self.proc or self.proc.poll() is not None:
            return
        import psutil

        family = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        for process in family:
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(family, timeout=10)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
