#!/usr/bin/env python3
"""Convert one .docx file into a corpus document (YAML front matter + markdown).

Usage (from the project root):
    python ingest_scripts/docx_to_corpus.py FILE [--title …] [--promulgated YYYY-MM-DD] [--out DIR]

All logic lives in kb/corpus/ingest.py and kb/cli/ingest.py; `python -m kb ingest FILE…` does the same for any supported type.
"""
import sys
from pathlib import Path

# Runnable as a plain script: make the project root importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.cli.ingest import script_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(script_main("docx", prog=Path(__file__).name))
