#!/usr/bin/env bash
# Runs every test. Starts what the tests need on loopback (a throwaway PostgreSQL cluster), installing PostgreSQL and
# Redis first on a fresh Debian machine, and removes the cluster afterwards. The scale-out tests start their own
# redis-server processes (found through INBOX_TEST_REDIS_SERVER) and server processes. Extra arguments go to
# `dotnet test` (e.g. --filter ...).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

# Formatting first, on the whole run (CI's): a slip fails here, before any server starts. The analyzers run in the build.
if [ $# -eq 0 ]; then
    echo "test.sh: checking the formatting (dotnet format --verify-no-changes)..."
    if ! dotnet format Inbox.sln --verify-no-changes; then
        echo "test.sh: the code is not formatted as .editorconfig says: run \`dotnet format Inbox.sln\` and commit the result" >&2
        exit 1
    fi
    # The scripts are not part of the solution: build each, so a change in src/ that breaks one fails here, not in
    # someone's benchmark months later.
    for script in scripts/*.cs; do
        echo "test.sh: building $script"
        if ! dotnet build "$script" -nologo -v quiet; then
            echo "test.sh: $script does not build against the current src/: fix it with the change that broke it" >&2
            exit 1
        fi
    done
else
    echo "test.sh: formatting and scripts not checked (arguments given: a targeted run)"
fi

work=$(mktemp -d /tmp/inbox-test.XXXXXX)
cleanup() {
    stop_throwaway_postgres "$work"
    rm -rf "$work"
}
trap cleanup EXIT

redis_server=$(command -v redis-server || true)
if [ -z "$redis_server" ]; then
    echo "test.sh: installing Redis (apt-get)..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    redis_server=$(command -v redis-server)
fi
export INBOX_TEST_REDIS_SERVER="$redis_server"
echo "test.sh: Redis $("$redis_server" --version | awk '{print $3}' | sed 's/^v=//') at $redis_server (the scale-out tests start their own)"

start_throwaway_postgres "$work"
export INBOX_TEST_POSTGRES="$PG_CONNECTION"
# The summary of skips: each reason once, with its counts (xUnit names a skip's reason only at detailed verbosity).
status=0
dotnet test Inbox.sln --results-directory "$work/results" --logger "trx;LogFilePrefix=inbox" "$@" || status=$?
python3 scripts/lib/skip_summary.py "$work/results" || echo "test.sh: could not read the skip reasons from $work/results"
exit "$status"
