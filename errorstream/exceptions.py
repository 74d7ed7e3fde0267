"""One base exception for errorstream; each area raises a subclass of it."""


class ErrorStreamError(Exception):
    """Base of every error errorstream raises on purpose."""


class ConfigurationError(ErrorStreamError):
    """A setting has a bad value; the message names the setting."""


class InfrastructureError(ErrorStreamError):
    """Kafka or PostgreSQL is missing, unreachable or failed to start."""
