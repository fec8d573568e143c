#!/usr/bin/env bash
# Validate SARIF logs with Microsoft's SARIF Multitool, using its SARIF rules and GitHub's
# ingestion rules (GH1001-GH1007, which are off by default and enabled here, plus GH1011-GH2012).
#
#   bash scripts/validate_sarif_multitool.sh FILE.sarif...
#
# Exit status: 0 when no file has a result of level error or warning (notes are counted, not
# fatal); 1 when one has (each is printed); 2 on a usage error or when the Multitool fails.
#
# The Multitool exits 0 even when it finds errors, so its own SARIF output is parsed here.
# It is installed once with npm into a cache folder (AILINT_MULTITOOL_CACHE, default
# ~/.cache/ailint/sarif-multitool-VERSION) and its native binary is called directly: the npm
# wrapper (`npx @microsoft/sarif-multitool`) re-joins its arguments into a shell command, which
# splits `--rule-kind "Sarif;Gh"` at the semicolon and breaks paths that contain spaces.
# Needs node/npm (first run only) and python3.
set -euo pipefail

VERSION=5.7.0
CACHE="${AILINT_MULTITOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ailint/sarif-multitool-$VERSION}"

if [ "$#" -eq 0 ]; then
    echo "usage: bash scripts/validate_sarif_multitool.sh FILE.sarif..." >&2
    exit 2
fi
for file in "$@"; do
    if [ ! -f "$file" ]; then
        echo "validate_sarif_multitool: no such file: $file" >&2
        exit 2
    fi
done

if [ ! -d "$CACHE/node_modules/@microsoft/sarif-multitool" ]; then
    mkdir -p "$CACHE"
    npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error "@microsoft/sarif-multitool@$VERSION" >&2
fi
# The platform package's main module exports the path of the self-contained binary.
BIN="$(NODE_PATH="$CACHE/node_modules" node -p "require('@microsoft/sarif-multitool')")"
[ -x "$BIN" ] || chmod u+x "$BIN"  # its postinstall (chmod) may not have run

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# GH1001-GH1007 are disabled by default (EnabledByDefault => false); "Error" turns them on.
{
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<Properties>'
    for rule in GH1001.ProvideRequiredLocationProperties GH1002.InlineThreadFlowLocations \
                GH1003.ProvideRequiredRegionProperties GH1004.ReviewArraysThatExceedConfigurableDefaults \
                GH1005.LocationsMustBeRelativeUrisOrFilePaths GH1006.ProvideCheckoutPath \
                GH1007.ProvideFullyFormattedMessageStrings; do
        echo "  <Properties Key=\"$rule.Options\">"
        echo '    <Property Key="RuleEnabled" Value="Error" Type="Driver.RuleEnabledState" />'
        echo '  </Properties>'
    done
    echo '</Properties>'
} > "$WORK/config.xml"

status=0
for file in "$@"; do
    out="$WORK/out.sarif"
    rm -f "$out"
    # The target comes first: --log takes a list and would swallow a path after it.
    if ! "$BIN" validate "$file" --config "$WORK/config.xml" --rule-kind "Sarif;Gh" \
            --level "Error;Warning;Note" --output "$out" --log ForceOverwrite > "$WORK/console.txt" 2>&1 \
            || [ ! -f "$out" ]; then
        cat "$WORK/console.txt" >&2
        echo "validate_sarif_multitool: the Multitool failed on $file" >&2
        exit 2
    fi
    python3 - "$out" "$file" <<'PY' || status=$?
"""Print the Multitool's errors and warnings; exit 1 if there are any, 2 if it did not run."""
import json
import re
import sys

out, target = sys.argv[1], sys.argv[2]
with open(out, encoding="utf-8-sig") as stream:
    log = json.load(stream)
counts = {"error": 0, "warning": 0, "note": 0}
failed = False
for run in log.get("runs", []):
    rules = run.get("tool", {}).get("driver", {}).get("rules", [])
    for result in run.get("results", []):
        level = result.get("level", "warning")
        counts[level] = counts.get(level, 0) + 1
        if level not in ("error", "warning"):
            continue
        index = result.get("ruleIndex", -1)
        rule = rules[index] if 0 <= index < len(rules) else {}
        message = result.get("message", {})
        text = message.get("text")
        if text is None:
            template = rule.get("messageStrings", {}).get(message.get("id"), {}).get("text", "")
            args = message.get("arguments", [])
            text = re.sub(r"\{(\d+)\}", lambda m: args[int(m.group(1))] if int(m.group(1)) < len(args) else m.group(0), template)
        name = rule.get("name", "")
        print(f"{target}: {level} {result.get('ruleId')} {name}: {text}")
    for invocation in run.get("invocations", []):
        if invocation.get("executionSuccessful") is False:
            failed = True
        for note in invocation.get("toolExecutionNotifications", []) + invocation.get("toolConfigurationNotifications", []):
            if note.get("level", "warning") == "error":
                failed = True
                print(f"{target}: Multitool error: {note.get('message', {}).get('text')}", file=sys.stderr)
print(f"{target}: {counts['error']} errors, {counts['warning']} warnings, {counts['note']} notes")
sys.exit(2 if failed else 1 if counts["error"] or counts["warning"] else 0)
PY
done
exit "$status"
