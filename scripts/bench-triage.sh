#!/usr/bin/env bash
# Times crisis triage (CrisisTriage.Match with the default phrases) on 1, 2, 4 and 8 × 32 KiB of text and prints the
# time per size: linear means each doubling of the text about doubles the time. No server or database is needed.
#   scripts/bench-triage.sh [--runs 5] [--sizes 1,2,4,8]   (multiples of 32 KiB)
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run --file scripts/BenchTriage.cs -- "$@"
