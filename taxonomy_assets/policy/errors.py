"""The one error every policy problem raises."""


class PolicyError(ValueError):
    """A policy file or override is missing, unreadable or invalid; the message says which file and key."""
