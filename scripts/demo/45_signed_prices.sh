#!/usr/bin/env bash
# two custom providers sign SOL/USD prices (off-chain messages, @solana/kit); the feed waits for both, then publishes four sources
set -euo pipefail
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
SIGNER=$PS_ROOT/scripts/demo/signer
( cd "$SIGNER" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } )
KEYS=$PS_DEMO_DIR.providers
rm -rf "$KEYS"; mkdir -m 700 "$KEYS"

# each provider makes its key; the operator registers the addresses as sources
ACME=$(node "$SIGNER/sign_price.js" --new-key "$KEYS/acme.key" | python3 -c "import json,sys; print(json.load(sys.stdin)['address'])")
ZETA=$(node "$SIGNER/sign_price.js" --new-key "$KEYS/zeta.key" | python3 -c "import json,sys; print(json.load(sys.stdin)['address'])")
echo "provider acme signs with $ACME"
echo "provider zeta signs with $ZETA"
psql -X -q -v ON_ERROR_STOP=1 -v acme="$ACME" -v zeta="$ZETA" <<'SQL'
\pset footer off
-- custom sources count once both have a fresh signed price (required_signatures = 2)
UPDATE solana.oracle_feeds SET required_signatures = 2 WHERE symbol = 'SOL/USD';
INSERT INTO solana.oracle_sources (feed, source_id, kind, authority) VALUES
    ('SOL/USD', 'acme', 'custom', :'acme'),
    ('SOL/USD', 'zeta', 'custom', :'zeta');
SELECT source_id, kind, coalesce(account, authority) AS account_or_authority
  FROM solana.oracle_sources WHERE feed = 'SOL/USD' ORDER BY source_id;
SQL

# submit PROVIDER PRICE EXPONENT: the provider signs, anyone relays it to submit_price
submit() {
    local j
    j=$(node "$SIGNER/sign_price.js" --key "$KEYS/$1.key" --feed SOL/USD --source "$1" --price "$2" --exponent "$3")
    read -r obs sig < <(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['observed_at'], d['signature'])" "$j")
    echo "$1 signed price $2e$3 observed at $obs: $sig"
    pub=$(q "SELECT solana.submit_price('SOL/USD', '$1', $2, $3, to_timestamp($obs), '$sig')")
    echo "  submit_price -> published $pub: $(q "SELECT price || ' from ' || sources_used || ' sources' FROM solana.prices WHERE feed = 'SOL/USD'")"
}
submit acme 14826000000 -8
echo "  audit: $(q "SELECT string_agg(source_id || ' ' || coalesce(reason, 'accepted'), ', ' ORDER BY source_id)
                  FROM solana.oracle_audit WHERE run_id = (SELECT max(run_id) FROM solana.oracle_audit WHERE feed = 'SOL/USD')")"
submit zeta 1483000 -4

echo "a forged submission (acme's signature over another price) is refused:"
j=$(node "$SIGNER/sign_price.js" --key "$KEYS/acme.key" --feed SOL/USD --source acme --price 99900000000 --exponent -8 --observed-at $(($(date +%s) + 1)))
read -r obs sig < <(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['observed_at'], d['signature'])" "$j")
psql -X -q -At -v SHOW_CONTEXT=never -c "SELECT solana.submit_price('SOL/USD', 'acme', 1, -8, to_timestamp($obs), '$sig')" 2>&1 | sed 's/^/  /' || true

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
\pset footer off
SELECT source_id, kind, price, observed_at FROM solana.oracle_sources WHERE feed = 'SOL/USD' ORDER BY source_id;
SELECT feed, price, sources_used, method FROM solana.prices WHERE feed = 'SOL/USD';
SELECT feed, source_id, price, exponent, signature FROM solana.oracle_submissions ORDER BY observed_at, source_id;
SQL
