#!/usr/bin/env bash
# Follows README's "Watch it work" literally, as a newcomer would: the server on a fresh SQLite file and a free loopback
# port, the console client fed its commands on stdin, the replay script, curl. Twice: on the empty database, then on the
# same database once used. Each step's output is checked against what the README says it prints; the first difference
# stops the run with the step and the output. WalkthroughTests runs it, so CI keeps the README true.
#   scripts/walkthrough.sh [--no-build]      (--no-build: the server and client are built already, e.g. by dotnet test;
#                                             WALKTHROUGH_CONFIGURATION names their configuration, Debug by default)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh # free_port

build=1
configuration=${WALKTHROUGH_CONFIGURATION:-Debug}
[ "${1:-}" = "--no-build" ] && build=0
work=$(mktemp -d /tmp/inbox-walkthrough.XXXXXX)
server_pid=""
client_pid=""
cleanup() {
    exec 3>&- 2>/dev/null || true
    [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "walkthrough: FAILED at: $step" >&2
    echo "walkthrough: $1" >&2
    for log in "$work"/*.log; do
        echo "----- $(basename "$log") (last 40 lines)" >&2
        tail -n 40 "$log" >&2
    done
    exit 1
}

# expect FILE REGEX: waits (up to 90 s: a loaded machine) until a line of FILE from the current step on matches.
expect() {
    local file=$1 pattern=$2 from=${marks[$1]:-0}
    for _ in $(seq 1 900); do
        if tail -n +"$((from + 1))" "$file" 2>/dev/null | grep -Eq -- "$pattern"; then
            return 0
        fi
        sleep 0.1
    done
    fail "no line matching /$pattern/ in $(basename "$file")"
}

declare -A marks
# step NAME: a new step; its expectations look at what the client printed from here on.
step() {
    step=$1
    marks[$work/client.log]=$(wc -l < "$work/client.log" 2>/dev/null || echo 0)
    echo "walkthrough: $step"
}

port=$(free_port)
url="http://127.0.0.1:$port"
password=harbor-lantern-dev-2026
if [ "$build" = 1 ]; then
    dotnet build src/Inbox -c "$configuration" -v q -nologo >/dev/null
    dotnet build src/Inbox.Client -c "$configuration" -v q -nologo >/dev/null
fi

step "start the server (dotnet run --project src/Inbox)"
# As `dotnet run --project src/Inbox`: the launch profile (Development), plus its --contentRoot, a port and a file of our own.
dotnet run --project src/Inbox -c "$configuration" --no-build -- --contentRoot ../../.. --urls "$url" "--ConnectionStrings:Inbox=Data Source=$work/inbox.db" \
    > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 1800); do
    curl -sf "$url/health/ready" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited"
    sleep 0.1
done
curl -sf "$url/health/ready" >/dev/null || fail "the server did not become ready"

replay() { scripts/replay-samples.sh --url "$url" "$@" > "$work/replay.log" 2>&1 || fail "replay-samples.sh $* exited with $?"; }

walk() {
    local pass=$1
    rm -f "$work/in"
    mkfifo "$work/in"
    : > "$work/client.log"
    step "$pass: open the console client"
    dotnet run --project src/Inbox.Client -c "$configuration" --no-build -- --url "$url" --user admin --password "$password" < "$work/in" > "$work/client.log" 2>&1 &
    client_pid=$!
    exec 3> "$work/in"
    expect "$work/client.log" "^connected to $url"

    step "$pass: presence available"
    echo "presence available" >&3
    expect "$work/client.log" "^<< PresenceChanged \[[0-9]+\] Administrator \([0-9a-f-]{36}\) is available"

    step "$pass: replay gateway-01 --fresh"
    replay --fresh webhooks-samples/sms/gateway-01-basic-livelihood-question.json
    grep -Eq "200 OK  stored  conversation [0-9a-f-]{36}" "$work/replay.log" || fail "the replay did not print 'stored' and a conversation"
    local conversation
    conversation=$(sed -n 's/.*stored  conversation \([0-9a-f-]*\).*/\1/p' "$work/replay.log")
    if [ "$pass" = "empty database" ]; then
        expect "$work/client.log" "^<< ConversationChanged \[[0-9]+\] $conversation open text24/sms normal unassigned \+821034567890 \(conversation\.opened\)"
    else # the resident's conversation is open already, and claimed in the first pass
        expect "$work/client.log" "^<< ConversationChanged \[[0-9]+\] $conversation open text24/sms normal assigned [0-9a-f-]{36} \+821034567890 \(message\.added\)"
    fi
    expect "$work/client.log" "^<< MessageAdded \[[0-9]+\] $conversation in sms text : 기초수급 신청하려면 주민센터 꼭 가야되나요\?"
    if [ "$pass" = "empty database" ]; then # the automatic acknowledgement, once until a counselor answers
        expect "$work/client.log" "^<< MessageAdded \[[0-9]+\] $conversation out sms text (queued|delivered): "
    fi

    step "$pass: queue"
    echo "queue" >&3
    expect "$work/client.log" "^ +[0-9]+\. \[[0-9]+\] $conversation open text24/sms"
    expect "$work/client.log" "^\(as of seq [0-9]+\)"

    step "$pass: claim last"
    echo "claim last" >&3
    expect "$work/client.log" "^claimed"

    step "$pass: reply last"
    echo "reply last 안녕하세요, 복지로에서도 신청하실 수 있습니다." >&3
    expect "$work/client.log" "^queued 1 part\(s\): message [0-9a-f-]{36}"
    local message
    message=$(tail -n +"$((marks[$work/client.log] + 1))" "$work/client.log" | sed -n 's/^queued 1 part(s): message \([0-9a-f-]*\).*/\1/p' | head -n 1)
    expect "$work/client.log" "^<< MessageAdded \[[0-9]+\] $conversation out sms text (queued|delivered): 안녕하세요, 복지로에서도"
    expect "$work/client.log" "^<< MessageUpdated \[[0-9]+\] message $message is delivered"

    step "$pass: quit"
    echo "quit" >&3
    exec 3>&-
    wait "$client_pid" || fail "the client exited with $?"
    client_pid=""

    step "$pass: replay every sample"
    replay
    local outcome
    [ "$pass" = "empty database" ] && outcome=stored || outcome=duplicate
    grep -Eq "^20 sent: 20 ok \(2 TwiML, 18 $outcome\), 0 failed" "$work/replay.log" || fail "not every sample answered $outcome"
    step "$pass: replay every sample again"
    replay
    grep -Eq "^20 sent: 20 ok \(2 TwiML, 18 duplicate\), 0 failed" "$work/replay.log" || fail "the second replay was not all duplicate"
    local rrn
    rrn=$(sed -n 's/^sms\/gateway-04-rrn-medical-aid.json .* conversation \([0-9a-f-]*\).*/\1/p' "$work/replay.log")
    [ -n "$rrn" ] || fail "the replay printed no conversation for gateway-04"

    step "$pass: sign in with curl"
    TOKEN=$(curl -s "$url/api/auth/token" -H 'content-type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$password\"}" | sed 's/.*"accessToken":"\([^"]*\)".*/\1/')
    [ ${#TOKEN} -gt 40 ] || fail "no token"
    step "$pass: list conversations"
    curl -sf "$url/api/conversations" -H "Authorization: Bearer $TOKEN" | grep -q "\"id\":\"$conversation\"" || fail "the list lacks $conversation"
    step "$pass: one resident's conversations by phone"
    local phone
    phone=$(curl -sf "$url/api/conversations?phone=010-2345-6789" -H "Authorization: Bearer $TOKEN")
    echo "$phone" | grep -q '"id"' || fail "no conversation for 010-2345-6789: $phone"
    step "$pass: one conversation by its id"
    local detail
    detail=$(curl -sf "$url/api/conversations/$rrn" -H "Authorization: Bearer $TOKEN")
    for field in contact identities messages; do
        echo "$detail" | grep -q "\"$field\"" || fail "the conversation has no $field: $detail"
    done
    echo "$detail" | grep -q '850315-\*\*\*\*\*\*\*' || fail "gateway-04's registration number is not stored as 850315-*******"
    step "$pass: the access log"
    curl -sf "$url/api/audit" -H "Authorization: Bearer $TOKEN" | grep -q 'conversation.read' || fail "the access log holds no conversation.read"
}

walk "empty database"
walk "used database"
echo "walkthrough: every step printed what the README says, on an empty database and on a used one"
