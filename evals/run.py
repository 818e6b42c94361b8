"""python -m evals.run: the retrieval evaluation (same as python -m kb eval)."""
import sys

from kb.cli import main

if __name__ == "__main__":
    sys.exit(main(["eval", *sys.argv[1:]]))
