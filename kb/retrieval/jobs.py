"""Index builds in the background, for the app: the 语料 page starts one and polls its progress while
the app keeps answering from the old index (build_index swaps the new one in atomically at the end;
a failed build leaves the old one in place).

One job per KB_HOME per process: starting a build while one runs returns the running job (build_index's
file lock also serialises builds across processes)."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kb.core.errors import KBError
from kb.core.settings import Settings

from . import index as _index

log = logging.getLogger(__name__)

_jobs: dict[Path, BuildJob] = {}
_jobs_lock = threading.Lock()


@dataclass
class BuildJob:
    """A build running (or finished) in a background thread. Read its fields from any thread."""
    home: Path
    started: float = field(default_factory=time.time)
    done: int = 0               # pieces embedded so far
    total: int = 0              # pieces to embed (0 until known; stays 0 when all are cached)
    finished: float = 0.0
    report: object = None       # BuildReport when the build succeeded
    error: str = ""             # a message for people when it failed
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return not self.finished

    @property
    def ok(self) -> bool:
        return bool(self.finished) and not self.error

    @property
    def fraction(self) -> float:
        """0 … 1 for a progress bar: embedding is nearly all of a build's time."""
        if self.finished:
            return 1.0
        return 0.95 * self.done / self.total if self.total else 0.0

    @property
    def stage(self) -> str:
        if self.finished:
            return "索引更新失败" if self.error else "索引已更新"
        if not self.total:
            return "正在读取语料……"
        if self.done < self.total:
            return f"正在嵌入新增或改动的条文：{self.done}/{self.total} 段"
        return "正在写入新索引……"

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the build ends (tests); True when it has."""
        if self.thread is not None:
            self.thread.join(timeout)
        return bool(self.finished)

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def _run(self, settings: Settings, force: bool) -> None:
        try:
            self.report = _index.build_index(settings, force=force, progress=False, on_progress=self._progress)
        except KBError as exc:
            self.error = str(exc)
        except Exception as exc:
            log.exception("index build failed")
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.finished = time.time()


def start_build(settings: Settings, force: bool = False) -> BuildJob:
    """Start building the index of `settings` in a background thread, or return the build already
    running for its KB_HOME."""
    key = Path(settings.home).resolve()
    with _jobs_lock:
        job = _jobs.get(key)
        if job is not None and job.running:
            return job
        job = BuildJob(key)
        job.thread = threading.Thread(target=job._run, args=(settings, force), name="kb-build", daemon=True)
        _jobs[key] = job
        job.thread.start()
    return job


def current_build(settings: Settings) -> BuildJob | None:
    """The running or last finished build of this KB_HOME in this process, if any."""
    with _jobs_lock:
        return _jobs.get(Path(settings.home).resolve())
