#!/usr/bin/env bash
# Runs each unit-test binary given; prints a summary; fails if any failed.
set -u
cd "$(dirname "$0")/.." || exit 1
failed=()
for t in "$@"; do
    echo "== ${t##*/}"
    if ! "$t"; then
        failed+=("${t##*/}")
    fi
done
echo "unit: $(( $# - ${#failed[@]} ))/$# binaries passed"
if (( ${#failed[@]} )); then
    echo "unit: FAILED: ${failed[*]}"
    exit 1
fi
