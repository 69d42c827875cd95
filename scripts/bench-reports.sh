#!/usr/bin/env bash
# Times a month's reports on every supported store that can run here: seeds a year of a busy center (300,000
# conversations) into a fresh SQLite file and a throwaway PostgreSQL, starts the real server on each and times
# every report through the HTTP API, printing each beside yardsticks measured in the same run; then asks for eight
# 400-day reports at once and prints what the per-center limit (Reports:MaxConcurrentPerCenter) ran and refused.
#   scripts/bench-reports.sh [--conversations N] [--month 2025-11] [--runs 5]
# Set INBOX_BENCH_POSTGRES to a connection string of an empty database to use your own PostgreSQL instead.
# SQL Server is not benchmarked here (none can run on these machines).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

conversations=300000; month=2025-11; runs=5
while [ $# -gt 0 ]; do
    case "$1" in
        --conversations) conversations=$2; shift 2 ;;
        --month) month=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done

work=$(mktemp -d /tmp/inbox-bench.XXXXXX)
cleanup() {
    stop_throwaway_postgres "$work"
    rm -rf "$work"
}
trap cleanup EXIT

app="dotnet run --file scripts/ReportsAtScale.cs --"
sqlite="Data Source=$work/year.db"
$app seed --store sqlite --connection "$sqlite" --conversations "$conversations" --year "${month%-*}"
$app bench --store sqlite --connection "$sqlite" --month "$month" --runs "$runs"

pg=${INBOX_BENCH_POSTGRES:-}
if [ -z "$pg" ]; then
    start_throwaway_postgres "$work"
    pg=$PG_CONNECTION
fi
$app seed --store postgres --connection "$pg" --conversations "$conversations" --year "${month%-*}"
$app bench --store postgres --connection "$pg" --month "$month" --runs "$runs"
