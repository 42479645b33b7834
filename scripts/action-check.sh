#!/usr/bin/env bash
# The action's second step: run blocklint (by the absolute path the install step wrote) on the
# `paths` input with the `args` input, annotating the pull request (--format github) and writing
# the SARIF file when one is asked for.
#
# A path that does not exist is a warning (`::warning::` on the run's summary page) and the rest
# are checked; when none exists nothing can be checked, which is an error (exit 2) rather than a
# green run that looked at nothing. The SARIF file is written whatever happens (an empty run when
# blocklint could not write it), so an `if: always()` upload step has a file to upload.
#
# Environment (set by action.yml): BLOCKLINT, BLOCKLINT_PYTHON (the venv's python, which splits
# the inputs as a shell would), INPUT_PATHS, INPUT_ARGS, SARIF (empty: no SARIF), GITHUB_STEP_SUMMARY.
set -uo pipefail

# Workflow-command data: %, CR and LF are escaped so a path cannot start a command of its own.
escape_data() {
  local text=$1
  text=${text//'%'/'%25'}
  text=${text//$'\r'/'%0D'}
  text=${text//$'\n'/'%0A'}
  printf '%s' "$text"
}

# The words of $1, each ended by NUL, split as a shell would, quotes included
# (`--exclude 'legacy dir/*'` is two words, not three); fails on an unbalanced quote.
split_words() {
  "$BLOCKLINT_PYTHON" -c 'import shlex, sys
sys.stdout.write("".join(word + "\0" for word in shlex.split(sys.argv[1])))' "$1" 2>/dev/null
}

write_empty_sarif() {
  # blocklint's own SARIF writer on an empty directory: a valid run listing the rules, no results.
  local empty sarif
  sarif=$(cd "$(dirname -- "$SARIF")" && pwd)/$(basename -- "$SARIF")
  empty=$(mktemp -d)
  (cd "$empty" && "$BLOCKLINT" check --isolated --format sarif --output "$sarif" .) >/dev/null
  rmdir "$empty"
}

summary() {
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] && printf '%s\n' "$@" >> "$GITHUB_STEP_SUMMARY"
  return 0
}

bad_input() {
  echo "::error title=blocklint::the $1 input has an unbalanced quote: $(escape_data "$2")"
  [ -z "$SARIF" ] || write_empty_sarif
  exit 2
}

if [ -n "$SARIF" ]; then
  mkdir -p -- "$(dirname -- "$SARIF")"
  rm -f -- "$SARIF"   # a stale file from an earlier step must not be uploaded as this run's
fi

words=$(mktemp)
split_words "$INPUT_PATHS" >"$words" || bad_input paths "$INPUT_PATHS"
mapfile -d '' -t requested <"$words"
split_words "$INPUT_ARGS" >"$words" || bad_input args "$INPUT_ARGS"
mapfile -d '' -t args <"$words"
rm -f -- "$words"

present=()
missing=()
for path in "${requested[@]}"; do
  if [ -e "$path" ]; then
    present+=("$path")
  else
    missing+=("$path")
    echo "::warning title=blocklint::$(escape_data "$path") does not exist; blocklint checked the other paths"
  fi
done

if [ ${#requested[@]} -gt 0 ] && [ ${#present[@]} -eq 0 ]; then
  echo "::error title=blocklint::none of the paths exists ($(escape_data "${requested[*]}")); nothing was checked"
  [ -z "$SARIF" ] || write_empty_sarif
  summary "### blocklint" "" "Nothing checked: none of \`${requested[*]}\` exists."
  exit 2
fi

outputs=(--format github)
[ -z "$SARIF" ] || outputs+=(--format sarif --output "$SARIF")
"$BLOCKLINT" check "${outputs[@]}" "${args[@]}" -- "${present[@]}"
status=$?

if [ -n "$SARIF" ] && [ ! -s "$SARIF" ]; then
  write_empty_sarif
fi

case $status in
  0) result="passed" ;;
  1) result="failed: findings above, annotated on the pull request" ;;
  *) result="could not run (exit $status): see the log" ;;
esac
summary "### blocklint" "" "Checked \`${present[*]}\`: $result."
[ ${#missing[@]} -eq 0 ] || summary "" "Not found (skipped): \`${missing[*]}\`."
exit "$status"
