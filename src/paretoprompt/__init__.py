"""paretoprompt: gradient-free prompt optimization for any LLM, offline by default."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("paretoprompt")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
