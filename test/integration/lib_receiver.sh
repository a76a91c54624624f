# test/integration/lib_receiver.sh: starts the verifying webhook receiver
# (webhook_receiver.js) for the webhook TAP scripts (sourced; they set
# ROOT and TMP).
#
# start_receiver TAG [RECEIVER-ARGS...]: starts it with its own ready
# file and output under $TMP (named by TAG) and the given arguments
# (--port, --log, --control, --fixtures, --no-record), waits up to 5 s
# for it to listen, and sets RCV_LAST_PID and RCV_LAST_URL; when it does
# not start, prints its output and returns 1.
start_receiver() {
    local tag=$1 ready out
    shift
    ready=$TMP/ready.$tag
    out=$TMP/receiver.$tag.out
    rm -f "$ready"
    node "$ROOT/test/integration/webhook_receiver.js" --ready-file "$ready" "$@" > "$out" 2>&1 &
    RCV_LAST_PID=$!
    for _ in $(seq 1 50); do [ -s "$ready" ] && break; sleep 0.1; done
    if [ ! -s "$ready" ]; then cat "$out"; return 1; fi
    RCV_LAST_URL=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['url'])" "$ready")
}
