"""kb.core: what every layer shares. Records (schema), errors, settings, numerals, article labels and
ids, document types, and the loaders of the curated files in kb/data/. Imports nothing else of kb.

Public names are re-exported here; import them from kb.core or from their module."""
from .data import (aliases, cited_phrases, content_words, data_file_phrases, incident_rules, core_words, core_words_en, domain_vocabulary, en_terms, intent_patterns,
                   is_content_word, lay_terms, load_json, missing_catalogue, out_of_scope_fields, plain_words,
                   sector_fields, stopwords, userdict_path, version_words, MIN_WORD_CHARS)
from .doctypes import DOC_TYPES, doc_rank, doc_type_label, listing_order
from .errors import (CorpusError, DiffError, IndexCorruptError, IndexMissingError, IngestError, KBError, LLMError,
                     MissingDependencyError, ModelError, NumeralError, ParseError, QueryError, QuizError, StoreError,
                     missing_dependency)
from .lazy import lazy_getattr
from .labels import (article_heading, article_id, item_heading, labels_in, make_label, parse_label,
                     split_article_id, version_id)
from .numerals import CN_NUMERAL_CHARS, cn_to_int, int_to_cn
from .schema import STATUS_LABELS, Answer, Article, Citation, Clause, CrossRef, DocMeta, Document, Hit, Item
from .settings import DATA_DIR, DEFAULT_MODEL, PROJECT_ROOT, Settings

__all__ = [
    "Answer", "Article", "CN_NUMERAL_CHARS", "Citation", "Clause", "CorpusError", "CrossRef", "DATA_DIR",
    "DEFAULT_MODEL", "DOC_TYPES", "DiffError", "DocMeta", "Document", "Hit", "IndexCorruptError",
    "IndexMissingError", "IngestError", "Item", "KBError", "LLMError", "MIN_WORD_CHARS", "MissingDependencyError", "ModelError",
    "NumeralError", "PROJECT_ROOT", "ParseError", "QueryError", "QuizError", "STATUS_LABELS", "Settings", "StoreError",
    "aliases", "article_heading", "cited_phrases", "data_file_phrases", "incident_rules", "article_id", "cn_to_int", "content_words", "core_words", "core_words_en",
    "doc_rank", "doc_type_label", "domain_vocabulary", "en_terms", "int_to_cn", "intent_patterns",
    "is_content_word", "item_heading", "labels_in", "lay_terms", "lazy_getattr", "listing_order", "load_json", "make_label",
    "missing_catalogue", "missing_dependency", "out_of_scope_fields", "parse_label", "plain_words", "sector_fields",
    "split_article_id", "stopwords", "userdict_path", "version_id", "version_words",
]
