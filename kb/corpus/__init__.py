"""kb.corpus: documents in, articles out. Parsing the corpus format (编/章/节/条/款/项, front matter),
cross-references, the collection of all document versions with lookups by law, version and article,
and ingesting PDF/DOCX/HTML/text files into the corpus format. Imports only kb.core."""
from .citation import cited_heading, citation_line, version_phrase
from .collection import Corpus, DocCheck, check_document, corpus_files, document_from_dict, document_to_dict, load_corpus
from .extract import FORMATS, SUPPORTED_TEXT, clean_pdf_text, decode_text, extract_text, join_wrapped_lines, starts_unit
from .docmeta import detect_metadata
from .extract import DEFAULT_MAX_BYTES as MAX_UPLOAD_BYTES
from .ingest import META_FLAGS, IngestResult, Preview, ingest_file, preview_document, save_preview, to_corpus_markdown
from .parse import parse_document, parse_file, split_front_matter
from .penalties import PenaltyLink, PenaltyMap, build_penalty_links, coverage as penalty_coverage, is_penalty_article
from .refs import extract_refs, resolve_refs

__all__ = [
    "cited_heading", "citation_line", "version_phrase",
    "Corpus", "DocCheck", "FORMATS", "IngestResult", "META_FLAGS", "SUPPORTED_TEXT", "check_document",
    "clean_pdf_text", "corpus_files", "decode_text", "detect_metadata", "document_from_dict", "document_to_dict",
    "extract_refs", "extract_text", "ingest_file", "join_wrapped_lines", "load_corpus", "parse_document",
    "parse_file", "PenaltyLink", "PenaltyMap", "build_penalty_links", "penalty_coverage", "is_penalty_article", "resolve_refs", "split_front_matter", "starts_unit", "to_corpus_markdown",
    "MAX_UPLOAD_BYTES", "Preview", "preview_document", "save_preview",
]
