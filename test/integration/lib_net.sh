# test/integration/lib_net.sh: helpers for the dispatcher and gateway
# TAP scripts (sourced).  Starts the local HTTP peer (http_peer.py),
# keeps TAP numbering, and restores the server settings it changes.

T_N=0
T_FAIL=0
ok() {   # ok COND_STATUS DESCRIPTION
    T_N=$((T_N + 1))
    if [ "$1" = 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; T_FAIL=$((T_FAIL + 1)); fi
}
is() {   # is GOT WANT DESCRIPTION
    if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}
like() { # like GOT REGEX DESCRIPTION
    if [[ "$1" =~ $2 ]]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: /$2/"; fi
}

# q DB SQL: one value, unaligned, errors to stdout prefixed "ERROR"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>&1; }

HTTP_PEER_PID=
HTTP_PEER=
start_http_peer() {
    local ready
    ready=$(mktemp -u /tmp/ps_http_peer.XXXXXX)
    python3 "$(dirname "${BASH_SOURCE[0]}")/http_peer.py" "$ready" &
    HTTP_PEER_PID=$!
    for _ in $(seq 1 100); do [ -s "$ready" ] && break; sleep 0.05; done
    HTTP_PEER=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['url'])" "$ready")
    rm -f "$ready"
}

# peer_count KEY: requests the HTTP peer saw for KEY ("rpc:getSlot", "status/500")
peer_count() {
    curl -s "$HTTP_PEER/stats" | python3 -c "import json,sys;print(json.load(sys.stdin)['counts'].get(sys.argv[1],0))" "$1"
}
peer_reset() { curl -s "$HTTP_PEER/reset" >/dev/null; }

# settings changed with ALTER SYSTEM are put back on exit
SAVED_SETTINGS=()
set_system() { # set_system NAME VALUE (reloads)
    local old
    old=$(q postgres "SELECT coalesce((SELECT setting FROM pg_file_settings WHERE name = '$1' AND sourcefile LIKE '%postgresql.auto.conf' AND applied), '<reset>')")
    SAVED_SETTINGS+=("$1=$old")
    q postgres "ALTER SYSTEM SET $1 = '$2'" >/dev/null
    q postgres "SELECT pg_reload_conf()" >/dev/null
}
restore_system() {
    local i kv name val
    for ((i = ${#SAVED_SETTINGS[@]} - 1; i >= 0; i--)); do
        kv=${SAVED_SETTINGS[$i]}; name=${kv%%=*}; val=${kv#*=}
        if [ "$val" = "<reset>" ]; then q postgres "ALTER SYSTEM RESET $name" >/dev/null
        else q postgres "ALTER SYSTEM SET $name = '$val'" >/dev/null; fi
    done
    q postgres "SELECT pg_reload_conf()" >/dev/null
}
# wait until every backend and worker has seen a reload
settle() { sleep 0.3; }

cleanup_net() {
    restore_system
    [ -n "$HTTP_PEER_PID" ] && kill "$HTTP_PEER_PID" 2>/dev/null
    wait 2>/dev/null
}
