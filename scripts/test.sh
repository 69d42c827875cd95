#!/usr/bin/env bash
# Runs every test. Starts what the tests need on loopback (a throwaway PostgreSQL cluster), installing it first
# on a fresh Debian machine, and removes it afterwards. Extra arguments go to `dotnet test` (e.g. --filter ...).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

work=$(mktemp -d /tmp/inbox-test.XXXXXX)
cleanup() {
    stop_throwaway_postgres "$work"
    rm -rf "$work"
}
trap cleanup EXIT

start_throwaway_postgres "$work"
export INBOX_TEST_POSTGRES="$PG_CONNECTION"
dotnet test Inbox.sln "$@"
