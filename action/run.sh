#!/usr/bin/env bash
# Entry script of the sfaudit GitHub Action (action.yml at the repository root): makes sure
# sfaudit is on PATH (builds it from the action's own source unless `install: path`), scans,
# appends the Markdown report to the job summary, leaves the SARIF file for the upload step and
# writes the step outputs. It always exits 0 once the scan ran, so the SARIF upload still
# happens; the action's last step exits with `exit-code`.
#
# Inputs arrive as environment variables (action.yml sets them from `inputs`, never by pasting
# them into this script): SFA_INPUT_PATH, SFA_INPUT_FAIL_ON, SFA_INPUT_ARGS, SFA_INPUT_SARIF_FILE,
# SFA_INPUT_INSTALL. GitHub sets GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH, RUNNER_TEMP and
# GITHUB_ACTION_PATH.
set -euo pipefail

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run this from the action (action.yml)}"
: "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY is not set: run this from the action (action.yml)}"
: "${RUNNER_TEMP:?RUNNER_TEMP is not set: run this from the action (action.yml)}"

path="${SFA_INPUT_PATH:-.}"
fail_on="${SFA_INPUT_FAIL_ON:-high}"
sarif="${SFA_INPUT_SARIF_FILE:-sfaudit.sarif}"
install="${SFA_INPUT_INSTALL:-build}"
# Extra arguments are split on whitespace, never globbed or evaluated.
read -r -a extra <<< "${SFA_INPUT_ARGS:-}"

if ! command -v sfaudit >/dev/null 2>&1; then
  case "$install" in
    build)
      : "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: the action builds sfaudit from its own source}"
      root="$RUNNER_TEMP/sfaudit-install"
      echo "::group::Building sfaudit from $GITHUB_ACTION_PATH"
      cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$root"
      echo "::endgroup::"
      export PATH="$root/bin:$PATH"
      echo "$root/bin" >> "${GITHUB_PATH:-/dev/null}"
      ;;
    path)
      echo "::error title=sfaudit::sfaudit is not on PATH; install it in an earlier step, or use install: build" >&2
      exit 2
      ;;
    *)
      echo "::error title=sfaudit::install must be build or path, not '$install'" >&2
      exit 2
      ;;
  esac
fi

reports="$RUNNER_TEMP/sfaudit-reports"
mkdir -p "$reports"
set +e
sfaudit scan "$path" --format sarif,markdown --output-dir "$reports" --fail-on "$fail_on" "${extra[@]}" \
  2> "$reports/stderr.txt"
code=$?
set -e
cat "$reports/stderr.txt" >&2

if [ -f "$reports/sfaudit-report.md" ]; then
  # GitHub refuses a step summary over 1 MiB; sfaudit's Markdown report is kept under 64 KiB.
  head -c 1000000 "$reports/sfaudit-report.md" >> "$GITHUB_STEP_SUMMARY"
  echo >> "$GITHUB_STEP_SUMMARY"
else
  {
    echo "### sfaudit did not produce a report (exit $code)"
    echo
    echo '```'
    head -c 20000 "$reports/stderr.txt"
    echo '```'
  } >> "$GITHUB_STEP_SUMMARY"
fi

if [ -f "$reports/sfaudit-report.sarif" ]; then
  mkdir -p "$(dirname "$sarif")"
  cp "$reports/sfaudit-report.sarif" "$sarif"
  echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
fi
score=$(sed -n 's#^sfaudit: score \([0-9][0-9]*\)/100.*#\1#p' "$reports/stderr.txt" | tail -n 1)
echo "score=$score" >> "$GITHUB_OUTPUT"
echo "exit-code=$code" >> "$GITHUB_OUTPUT"
exit 0
