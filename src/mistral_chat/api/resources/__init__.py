"""What the sync and async twins of each resource share, without I/O: paths, request
building, parsing, upload forms and download targets. One module per family of endpoints.

The resource classes themselves are written once, async, in `api/_async/` and generated into
`api/_sync/` (`scripts/unasync.py`); they import from here, never the other way round.
"""
