"""Lazy re-exports for a package's __init__: public names imported from their module on first use,
so `import kb.answer` stays cheap until a name is needed (PEP 562 module __getattr__)."""
from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_getattr(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """The module-level __getattr__ of `package`: `exports` maps a public name to its submodule."""
    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return __getattr__
