"""A local rule with a bug: it divides by a step's `retries`, which not every step has."""

from blocklint import rule


@rule("TEST001", "retries-per-minute")
def retries_per_minute(step, step_name):
    """Steps retry at most once a minute."""
    if 60 / step.get("retries", 0) < 1:
        yield ("retries",), f"step '{step_name}' retries too often"
