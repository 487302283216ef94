#!/bin/sh
# `make bench`: the benchmarks of issue 7. The Makefile builds
# build/logvault, build/bench/loadgen and build/bench/ceiling first; the
# driver (bench/run.py) starts the servers, runs every measure, prints the
# Markdown table and writes bench/results/latest.md and ingest.png.
# Knobs: see the top of bench/run.py (BENCH_RUNS, BENCH_SEARCH_MB, …).
set -eu
cd "$(dirname "$0")/.."
exec python3 bench/run.py "$@"
