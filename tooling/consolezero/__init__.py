"""consolezero: sudo for the cloud, kept in git."""

__version__ = "0.1.0"
