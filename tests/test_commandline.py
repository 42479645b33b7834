"""The option-to-override mapping, written once (`blocklint.commandline.overrides_of`) for every
command that plans a run."""

import click
import pytest

from blocklint.cli import cli
from blocklint.commandline import CONVERTED, overrides_of
from blocklint.plan import Overrides

# What each command keeps for itself; every other option is for the plan.
OWN = {
    "check": {"paths", "formats", "outputs", "exitfirst", "exit_zero", "stdin_filename", "show_settings", "jobs",
              "quiet", "color", "progress", "statistics", "no_cache", "fix", "unsafe_fixes", "show_diff"},
    "submit": {"paths", "target", "stage", "dry_run", "default_spec", "default_deployment", "timeout", "retries"},
    "graph": {"paths", "output_format"},
}


@pytest.mark.parametrize("command", sorted(OWN))
def test_every_option_of_a_command_is_its_own_or_reaches_the_plan(command):
    """An option added to a command and forgotten on the way to the plan fails here."""
    fields = set(Overrides._fields)
    for param in cli.get_command(click.Context(cli), command).params:
        if param.name in OWN[command]:
            assert param.name not in fields, f"{command} --{param.name}: named as a plan field it never sets"
        else:
            assert param.name in fields or param.name in CONVERTED, f"{command} --{param.name} reaches no plan field"


def test_the_converted_options():
    overrides = overrides_of({"select": ("bl1,BL2", "bl3"), "params": ("a=1",), "no_template": True,
                              "template_env": ["HOME"], "write_baseline": "base.json", "kind": "workflow",
                              "paths": ("x",)})
    assert overrides == Overrides(select=("BL1", "BL2", "BL3"), params=(("a", "1"),), template=False,
                                  template_env=("HOME",), use_baseline=False, kind="workflow")
