"""Errors a user can act on. The CLI prints their message on one line."""


class MonitorError(Exception):
    """Base class for errors caused by input, configuration or the outside world."""


class ConfigError(MonitorError):
    """A profile, setting or command-line value is wrong."""


class SourceError(MonitorError):
    """arXiv (or the offline directory standing in for it) could not deliver."""


class FeedParseError(SourceError):
    """A feed or API document is not well-formed."""


class PaperError(MonitorError):
    """A PDF cannot be turned into a paper document (not a PDF, encrypted, scanned...)."""
