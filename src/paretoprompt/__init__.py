"""paretoprompt: gradient-free prompt optimization for any LLM, offline by default."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("paretoprompt")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__", "optimize", "resume"]


def __getattr__(name: str):
    """`optimize` and `resume` load the run layer on first use, so `import paretoprompt` stays light."""
    if name in ("optimize", "resume"):
        from paretoprompt.run import api

        return getattr(api, name)
    raise AttributeError(f"module 'paretoprompt' has no attribute {name!r}")
