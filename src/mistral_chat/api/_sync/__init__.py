"""The sync clients, streams and resources, generated from `../_async` by scripts/unasync.py.

Do not edit the modules here: edit `../_async/` and run `uv run python scripts/unasync.py`
(`--check` fails, as tests/api/test_unasync.py does, when they are out of date).
"""
