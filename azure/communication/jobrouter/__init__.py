"""Azure Communication Services Job Router client library."""
from ._version import VERSION

__version__ = VERSION
