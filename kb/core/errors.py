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
