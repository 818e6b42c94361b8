"""A local Milvus server for benchmarks and tests: `milvus-lite server` on a free loopback port.

    with milvus_server(tmp_dir) as uri:      # "http://127.0.0.1:<port>"
        ...                                  # KB_MILVUS_URI=uri

Milvus Lite's file mode (KB_MILVUS_URI=x.db) lets one process open a data folder; several processes
sharing one store need a server, as a deployment has (Milvus Standalone speaks the same protocol).
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, port: int | None = None, timeout: float = 30.0
                 ) -> tuple[subprocess.Popen, str]:
    """Start the server and wait until its port accepts connections; returns (process, uri)."""
    port = port or free_port()
    exe = shutil.which("milvus-lite", path=str(Path(sys.executable).parent)) or "milvus-lite"
    data_dir.mkdir(parents=True, exist_ok=True)
    log = open(data_dir.parent / f"milvus-{port}.log", "wb")   # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen([exe, "server", "--data-dir", str(data_dir), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"milvus-lite server exited with {proc.returncode}; see {log.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"milvus-lite server did not listen on port {port} within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def milvus_server(data_dir: Path, port: int | None = None):
    proc, uri = start_server(Path(data_dir), port)
    try:
        yield uri
    finally:
        stop_server(proc)
