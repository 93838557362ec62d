#!/bin/sh
# Fills fuzz/corpus/<target>/ with seed inputs from examples/ and tests/fixtures/ (the same seeds
# tests/integration/fuzz.rs mutates). Run from the repository root before `cargo +nightly fuzz run`.
set -eu
seed() {
    target=$1
    shift
    mkdir -p "fuzz/corpus/$target"
    for file in "$@"; do
        cp "$file" "fuzz/corpus/$target/$(printf '%s' "$file" | tr '/' '_')"
    done
}
seed metadata_xml $(find examples tests/fixtures/salesforce/soap -name '*.xml' | sort)
seed certificate examples/demo-org/certs/*.crt
seed soap_response tests/fixtures/salesforce/soap/*.xml
seed rest_json tests/fixtures/salesforce/rest/*.json tests/fixtures/salesforce/oauth/*.json
seed config $(find examples -name '*.toml' | sort)
seed forceignore tests/fixtures/forceignore/seed.forceignore tests/realworld9/forceignore/.forceignore tests/realworld9/forceignore-reinclude/.forceignore
# The demo's results document cut down to a few results, their rules and their apps, and its
# inventory as a snapshot.
mkdir -p fuzz/corpus/results_document
python3 - <<'PY'
import json
full = json.load(open("sample-reports/demo.json"))
small = dict(full)
small["results"] = full["results"][:6]
# Only the rules those results name: every rule's write-up would make each input ~130 KB and
# every execution slow, without reaching more code.
kept = {result["rule_id"] for result in small["results"]}
small["rules"] = [rule for rule in full["rules"] if rule["id"] in kept]
# Schema version 2 results name their app, which must be in the inventory: keep those apps.
named = {(result["resource"]["kind"], result["resource"]["name"]) for result in small["results"]}
apps = [app for app in full["inventory"]["apps"] if (app["kind"], app["name"]) in named]
small["inventory"] = dict(full["inventory"], apps=apps)
json.dump(small, open("fuzz/corpus/results_document/demo-small.json", "w"), indent=2)
json.dump(small["inventory"], open("fuzz/corpus/results_document/snapshot-small.json", "w"))
PY
