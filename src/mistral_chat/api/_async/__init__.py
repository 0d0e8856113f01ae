"""The async clients, streams and resources: the one source of truth for `_sync`.

Edit these files, then run `uv run python scripts/unasync.py` to regenerate `../_sync/`.
"""
