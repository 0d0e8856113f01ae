"""API resources: one module per family of endpoints, with what its sync and async classes share.

The classes themselves are written once, async, in `api/_async/` and generated into `api/_sync/`
(`scripts/unasync.py`); each module here re-exports its pair lazily, under the old names.
"""
