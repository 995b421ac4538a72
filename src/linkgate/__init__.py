"""linkgate: an external-link gateway for messaging and social super-apps."""

__version__ = "0.1.0"
