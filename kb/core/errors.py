"""The library's own exception types. Only cli.py and app.py turn them into messages."""


class KBError(Exception):
    """Base class: a user-facing problem with a message that says what to do."""


class CorpusError(KBError):
    """A corpus folder or document cannot be read or parsed."""


class ParseError(CorpusError):
    """A document's text has no recognisable structure."""


class NumeralError(KBError, ValueError):
    """A string is not a Chinese or Arabic numeral in range."""


class IngestError(KBError):
    """A file cannot be converted into the corpus format."""


class IndexMissingError(KBError):
    """No index has been built yet."""


class IndexCorruptError(KBError):
    """An index folder exists but cannot be loaded."""


class StoreError(KBError):
    """The shared Milvus store (KB_MILVUS_URI) is misconfigured, unreachable, or has no build."""


class MissingDependencyError(KBError):
    """A Python package the command needs is not installed in the interpreter running kb."""


# import name → the name to pip install, where they differ (requirements.txt pins them all)
PIP_NAMES = {"faiss": "faiss-cpu", "yaml": "pyyaml", "docx": "python-docx", "sklearn": "scikit-learn",
             "bs4": "beautifulsoup4", "pypdf": "pypdf", "llama_index": "llama-index-core",
             "sentence_transformers": "sentence-transformers", "playwright": "playwright"}


def missing_dependency(exc: ModuleNotFoundError) -> MissingDependencyError:
    """The message for a missing package: which one, and how to install it. Usually kb was started
    with a Python outside the project's virtual environment."""
    import sys
    module = (exc.name or str(exc)).split(".")[0]
    package = PIP_NAMES.get(module, module)
    return MissingDependencyError(
        f"缺少 Python 模块 {module}（安装包 {package}），当前 Python 为 {sys.executable}。"
        f"请在项目目录运行 make install 后用 bin/kb 或 .venv/bin/python -m kb，"
        f"或先 source .venv/bin/activate；也可 pip install -r requirements.txt。索引本身没有问题，不必重建。")


class ModelError(KBError):
    """An embedding model cannot be loaded."""


class QueryError(KBError):
    """A query or a reference in it is invalid (e.g. unknown law or article)."""


class QuizError(KBError):
    """A quiz request cannot be met (unknown law, bad --types, empty scope, too few facts)."""


class DiffError(KBError):
    """Two versions cannot be compared (unknown law or version, only one version, bad filter)."""


class LLMError(KBError):
    """The optional LLM endpoint is not configured, or it failed (timeout, HTTP error, empty output)."""
