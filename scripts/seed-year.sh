#!/usr/bin/env bash
# Seeds one year of a busy center into an empty store: 300,000 conversations, about 1.5 million messages and the
# metrics ledger rows they make, for the demo center of src/Inbox/appsettings.Development.json (made-up residents).
#   scripts/seed-year.sh sqlite data/year.db [--conversations N] [--year 2025]
#   scripts/seed-year.sh postgres "Host=…;Username=…;Database=…" [--conversations N] [--year 2025]
# Then `ConnectionStrings__Inbox=… dotnet run --project src/Inbox` shows it (sign in as admin / harbor-lantern-dev-2026).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ] || [[ "$1" != sqlite && "$1" != postgres ]]; then
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
store=$1; target=$2; shift 2
connection=$target
[ "$store" = sqlite ] && connection="Data Source=$(realpath -m "$target")"
exec dotnet run --file scripts/ReportsAtScale.cs -- seed --store "$store" --connection "$connection" "$@"
