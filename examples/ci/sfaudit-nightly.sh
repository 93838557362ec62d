#!/usr/bin/env bash
# Nightly compliance scan of the production org; exits 1 (and the timer's OnFailure alerts)
# when anything got worse since yesterday. The JWT key comes from the secret store through
# systemd credentials (LoadCredential=), never from a file in the repository or the config.
set -euo pipefail
export SFAUDIT_JWT_KEY="$(cat "${CREDENTIALS_DIRECTORY}/sfaudit-jwt-key")"
state=/var/lib/sfaudit
today="$state/$(date +%F).json"
sfaudit scan --profile production --format json --output "$today" --no-fail --quiet
previous=$(ls "$state"/????-??-??.json | sort | tail -n 2 | head -n 1)
if [ "$previous" != "$today" ]; then
  sfaudit diff "$previous" "$today" --format markdown --output "$state/drift.md"
fi
