"""kb: an offline knowledge base and Q&A assistant for Chinese emergency-management and work-safety
regulation. Layers, each importing only those below it (see ARCHITECTURE.md):
kb.core ← kb.corpus ← kb.retrieval, kb.versions ← kb.answer, kb.quiz ← kb.eval ← kb.cli."""
