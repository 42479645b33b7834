#!/usr/bin/env bash
# The action's first step: install blocklint into a virtualenv of its own under $RUNNER_TEMP and
# hand its path to the next step through $GITHUB_OUTPUT. Nothing is added to $GITHUB_PATH, so
# the job's `python`, `pip` and PATH are what they were: a later `pip install -r
# requirements.txt && pytest` does not run in blocklint's environment.
#
# Environment (set by action.yml): PYTHON (the interpreter setup-python found), VERSION
# (`action`, `latest`, a version such as `0.1.0`, or any pip requirement), ACTION_PATH,
# RUNNER_TEMP, GITHUB_OUTPUT.
set -euo pipefail

DISTRIBUTION=peak-blocklint
venv="$RUNNER_TEMP/blocklint-venv"

case "${VERSION:-action}" in
  action) requirement="$ACTION_PATH" ;;
  latest) requirement="$DISTRIBUTION" ;;
  [0-9]*) requirement="$DISTRIBUTION==$VERSION" ;;
  *)      requirement="$VERSION" ;;
esac

"$PYTHON" -m venv "$venv"
# Windows runners put scripts in Scripts/, everything else in bin/.
bin="$venv/bin"
[ -d "$bin" ] || bin="$venv/Scripts"
"$bin/python" -m pip install --quiet --disable-pip-version-check "$requirement"

blocklint="$bin/blocklint"
[ -e "$blocklint" ] || blocklint="$bin/blocklint.exe"
"$blocklint" --version
{
  echo "blocklint=$blocklint"
  echo "python=$bin/python"
} >> "$GITHUB_OUTPUT"
