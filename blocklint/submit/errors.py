"""Why a file, or the whole target, cannot be used; each message says what to do."""


class Refused(Exception):
    """A file that cannot be submitted; the message says why and what to do."""


class Unreachable(Exception):
    """The target cannot be used at all (no token, an unknown stage, not a target)."""
