"""Pages of the Streamlit app, one module each.

A page module exposes `render(ctx)` where ctx is `app_pages._shared.AppContext` (settings, the loaded
retriever, its corpus and index manifest, and `ctx.open_article(id)` / `ctx.switch_to(page)` for
links between pages). To add a page, add one line to `PAGES` in app.py. Pages use the public kb
API only and keep no retrieval logic of their own; helpers they share live in `_shared.py`.
"""
