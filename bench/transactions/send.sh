#!/usr/bin/env bash
# bench/transactions/send.sh: submitted -> confirmed transactions/s of
# solana.submit_instructions against the local Solana peer.  Needs a
# preloaded cluster (PGHOST/PGPORT/PGUSER, database postgres, the
# dispatcher's solana.rpc_url pointing at the peer) and PS_PEER_RPC,
# PS_PEER_CONTROL.  N single-transfer batches per run, RUNS runs; prints
# the median.
set -euo pipefail
: "${PS_PEER_RPC:?start the peer (scripts/peer.sh) and export PS_PEER_RPC}"
n=${N:-100}; runs=${RUNS:-3}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
tag=bench$$
q "SELECT solana.generate_keypair('${tag}_p'), solana.generate_keypair('${tag}_t')" >/dev/null
P=$(q "SELECT solana.keypair_pubkey('${tag}_p')"); T=$(q "SELECT solana.keypair_pubkey('${tag}_t')")
curl -s "$PS_PEER_CONTROL/airdrop" -d "{\"address\":\"$P\",\"lamports\":100000000000}" >/dev/null
sleep 1
rates=()
for r in $(seq 1 "$runs"); do
    t0=$(date +%s.%N)
    first=$(q "SELECT min(b) FROM (SELECT solana.submit_instructions(ARRAY[solana.system_transfer('$P', '$T', 1000 * $r + i)],
                 ARRAY['${tag}_p'], '{\"wait_finalized\": false}') AS b FROM generate_series(1, $n) i) s")
    while [ "$(q "SELECT count(*) FROM solana.transactions WHERE batch_id >= $first AND state NOT IN ('confirmed','finalized','failed')")" != 0 ]; do
        sleep 0.05
    done
    t1=$(date +%s.%N)
    rates+=("$(python3 -c "print(round($n / ($t1 - $t0), 1))")")
done
q "DELETE FROM solana.keypairs WHERE name LIKE '${tag}_%'" >/dev/null
echo "submitted->confirmed, $n single-transfer batches per run: ${rates[*]} tx/s; median $(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p") tx/s"
