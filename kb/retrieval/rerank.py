"""Optional cross-encoder reranking of the top hits (off by default).

No offline Chinese reranker ships with the project; a user who has one (e.g. bge-reranker-base)
points KB_RERANKER at its local sentence-transformers directory. Direct article references keep
their first place: the reranker only reorders what retrieval found by content.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from kb.core.errors import ModelError
from kb.core.schema import Hit

_cache: dict[str, "CrossEncoderReranker"] = {}
_lock = threading.Lock()


class CrossEncoderReranker:
    def __init__(self, path: str):
        p = Path(path).expanduser()
        if not (p / "config.json").exists():
            raise ModelError(f"重排序模型目录 {p} 不存在或缺少 config.json。请给出本地 cross-encoder 模型目录。")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import CrossEncoder
            self._model = CrossEncoder(str(p), device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any loader failure is a model problem for the user
            raise ModelError(f"无法加载重排序模型 {p}：{exc}") from None
        self._lock = threading.Lock()
        self.name = f"cross-encoder:{p.resolve()}"

    def rerank(self, question: str, hits: list[Hit], keep_first: int = 0) -> list[Hit]:
        """Reorder hits[keep_first:] by cross-encoder score; the score is stored in sources['rerank']."""
        head, tail = hits[:keep_first], hits[keep_first:]
        if len(tail) < 2:
            return hits
        with self._lock:
            scores = self._model.predict([(question, h.text) for h in tail], show_progress_bar=False)
        for h, s in zip(tail, scores):
            h.sources["rerank"] = round(float(s), 4)
        return head + sorted(tail, key=lambda h: h.sources["rerank"], reverse=True)


def load_reranker(path: str) -> CrossEncoderReranker:
    with _lock:
        if path not in _cache:
            _cache[path] = CrossEncoderReranker(path)
        return _cache[path]
