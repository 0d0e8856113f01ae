"""The package version, owned by the wire client (its User-Agent carries it).

`mistral_chat.__version__` re-exports it; `api/` never imports the root package.
"""

__version__ = "0.1.0"
