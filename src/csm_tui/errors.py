"""The base of every error whose message is written for the user, not for a developer."""


class CsmError(Exception):
    """Raised with a message that says what went wrong and what to do; shown without traceback."""
