#!/usr/bin/env bash
# Signs and posts the webhook samples in webhooks-samples/ to a running Inbox server.
#   scripts/replay-samples.sh [--url http://localhost:5080] [--dry-run] [files or folders...]
#   scripts/replay-samples.sh --help
# The work is done by the .NET file-based app next to this script (no NuGet packages).
set -euo pipefail
script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
exec dotnet run --file "$script_dir/ReplaySamples.cs" -- "$@"
