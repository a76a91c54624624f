-- pg_solana install script, part 60: building and signing transactions.
--
-- An *instruction* is a program id, account metas and data; a *message*
-- is what signers sign (solana.compile_message); a *wire transaction*
-- is the signatures followed by the message (solana.sign_message).
-- A *signer name* is a row of solana.keypairs, or 'default' for the
-- Solana CLI keypair file at solana.keypair_path.

CREATE TYPE solana.account_meta AS (
    pubkey      solana.pubkey,
    is_signer   boolean,
    is_writable boolean
);
COMMENT ON TYPE solana.account_meta IS
    'an account an instruction touches, and whether it signs and is written';

CREATE TYPE solana.instruction AS (
    program_id  solana.pubkey,
    accounts    solana.account_meta[],
    data        bytea
);
COMMENT ON TYPE solana.instruction IS
    'one instruction: the program to run, its accounts in order, and its data';

CREATE FUNCTION solana.account_meta(pubkey solana.pubkey, is_signer boolean DEFAULT false,
                                    is_writable boolean DEFAULT false)
RETURNS solana.account_meta LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, solana AS $$
    SELECT ROW(pubkey, is_signer, is_writable)::solana.account_meta
$$;
COMMENT ON FUNCTION solana.account_meta(solana.pubkey, boolean, boolean) IS
    'an account meta; defaults to a read-only non-signer';

CREATE FUNCTION solana.instruction(program_id solana.pubkey,
                                   accounts solana.account_meta[] DEFAULT '{}',
                                   data bytea DEFAULT '')
RETURNS solana.instruction LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, solana AS $$
    SELECT ROW(program_id, accounts, data)::solana.instruction
$$;
COMMENT ON FUNCTION solana.instruction(solana.pubkey, solana.account_meta[], bytea) IS
    'an instruction from its program id, account metas and data';

CREATE FUNCTION solana._le_bytes(value bigint, size integer) RETURNS bytea
    AS 'MODULE_PATHNAME', 'solana_le_bytes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana._le_bytes(bigint, integer) IS
    'internal: an unsigned little-endian integer of 1, 2, 4 or 8 bytes';
REVOKE ALL ON FUNCTION solana._le_bytes(bigint, integer) FROM PUBLIC;

CREATE FUNCTION solana.system_transfer("from" solana.pubkey, "to" solana.pubkey, lamports bigint)
RETURNS solana.instruction LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, solana AS $$
    SELECT ROW('11111111111111111111111111111111'::solana.pubkey,
               ARRAY[ROW("from", true, true)::solana.account_meta,
                     ROW("to", false, true)::solana.account_meta],
               '\x02000000'::bytea || solana._le_bytes(lamports, 8))::solana.instruction
$$;
COMMENT ON FUNCTION solana.system_transfer(solana.pubkey, solana.pubkey, bigint) IS
    'System program Transfer of lamports from a signer to an account';

CREATE FUNCTION solana.memo(memo text, signers solana.pubkey[] DEFAULT '{}')
RETURNS solana.instruction LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, solana AS $$
    SELECT ROW('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr'::solana.pubkey,
               coalesce((SELECT array_agg(ROW(s, true, false)::solana.account_meta ORDER BY o)
                           FROM unnest(signers) WITH ORDINALITY AS u(s, o)), '{}'),
               convert_to(memo, 'UTF8'))::solana.instruction
$$;
COMMENT ON FUNCTION solana.memo(text, solana.pubkey[]) IS
    'SPL Memo (v2) instruction with the UTF-8 text and the signers that must sign it';

CREATE FUNCTION solana.set_compute_unit_limit(units integer)
RETURNS solana.instruction LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, solana AS $$
    SELECT ROW('ComputeBudget111111111111111111111111111111'::solana.pubkey, '{}'::solana.account_meta[],
               '\x02'::bytea || solana._le_bytes(units, 4))::solana.instruction
$$;
COMMENT ON FUNCTION solana.set_compute_unit_limit(integer) IS
    'Compute Budget SetComputeUnitLimit: the most compute units the transaction may use';

CREATE FUNCTION solana.set_compute_unit_price(micro_lamports bigint)
RETURNS solana.instruction LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, solana AS $$
    SELECT ROW('ComputeBudget111111111111111111111111111111'::solana.pubkey, '{}'::solana.account_meta[],
               '\x03'::bytea || solana._le_bytes(micro_lamports, 8))::solana.instruction
$$;
COMMENT ON FUNCTION solana.set_compute_unit_price(bigint) IS
    'Compute Budget SetComputeUnitPrice: the priority fee in micro-lamports per compute unit';

CREATE FUNCTION solana.compile_message(instructions solana.instruction[], payer solana.pubkey,
                                       recent_blockhash text, lookup_tables jsonb DEFAULT NULL,
                                       version text DEFAULT 'legacy')
RETURNS bytea AS 'MODULE_PATHNAME', 'solana_compile_message'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION solana.compile_message(solana.instruction[], solana.pubkey, text, jsonb, text) IS
    'the message bytes of instructions paid by payer, as @solana/web3.js compiles them: version ''legacy'' or ''0'' (with lookup_tables [{"address", "addresses"}]); 54000 past 1232 bytes signed';

CREATE FUNCTION solana.transaction_size(instructions solana.instruction[], payer solana.pubkey,
                                        lookup_tables jsonb DEFAULT NULL,
                                        version text DEFAULT 'legacy')
RETURNS integer AS 'MODULE_PATHNAME', 'solana_transaction_size'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION solana.transaction_size(solana.instruction[], solana.pubkey, jsonb, text) IS
    'bytes of the signed wire transaction of these instructions (may exceed the 1232-byte limit)';

CREATE FUNCTION solana.decode_transaction(wire bytea) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'solana_decode_transaction' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.decode_transaction(bytea) IS
    'a legacy or version 0 wire transaction as JSON: signatures, message (header, account_keys, recent_blockhash, instructions, address_table_lookups), wire_size';

CREATE FUNCTION solana.decode_message(message bytea) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'solana_decode_message' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.decode_message(bytea) IS
    'a legacy or version 0 message (unsigned) as JSON';

CREATE FUNCTION solana.verify_transaction(wire bytea) RETURNS boolean
    AS 'MODULE_PATHNAME', 'solana_verify_transaction' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.verify_transaction(bytea) IS
    'true when every signature of the wire transaction verifies against its signer';

-- Keypairs.  The secret column is readable by the extension owner only:
-- PUBLIC may read name and pubkey; signing goes through SECURITY
-- DEFINER functions whose EXECUTE the owner grants explicitly.
CREATE TABLE solana.keypairs (
    name        text PRIMARY KEY CHECK (name <> '' AND name <> 'default'),
    pubkey      solana.pubkey NOT NULL UNIQUE,
    secret      bytea NOT NULL CHECK (length(secret) = 64),
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE solana.keypairs IS
    'named signing keys; secret (seed || public key) is readable by the extension owner only';
REVOKE ALL ON solana.keypairs FROM PUBLIC;
GRANT SELECT (name, pubkey, created_at) ON solana.keypairs TO PUBLIC;

CREATE FUNCTION solana._keypair_secret(keypair_json text) RETURNS bytea
    AS 'MODULE_PATHNAME', 'solana_keypair_secret' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION solana._keypair_secret(text) IS
    'internal: the 64-byte secret of a Solana CLI keypair text, or of a new random key for NULL';
REVOKE ALL ON FUNCTION solana._keypair_secret(text) FROM PUBLIC;

-- Checks the name first: a failed CHECK would print the row, secret
-- included, in the error detail and the server log.
CREATE FUNCTION solana._add_keypair(name text, secret bytea) RETURNS solana.pubkey
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, solana AS $$
DECLARE
    k solana.pubkey := solana.pubkey(substring(secret FROM 33));
BEGIN
    IF name = '' OR name = 'default' THEN
        RAISE EXCEPTION 'invalid keypair name: "%"', name USING ERRCODE = '22023',
            DETAIL = 'The name ''default'' stands for solana.keypair_path; a name is not empty.';
    END IF;
    IF EXISTS (SELECT 1 FROM solana.keypairs p WHERE p.name = _add_keypair.name OR p.pubkey = k) THEN
        RAISE EXCEPTION 'keypair "%" or public key % is already registered', name, k
            USING ERRCODE = '23505';
    END IF;
    INSERT INTO solana.keypairs (name, pubkey, secret) VALUES (name, k, secret);
    RETURN k;
END
$$;
COMMENT ON FUNCTION solana._add_keypair(text, bytea) IS 'internal: insert a keypair after checking its name';
REVOKE ALL ON FUNCTION solana._add_keypair(text, bytea) FROM PUBLIC;

CREATE FUNCTION solana.import_keypair(name text, keypair_json text)
RETURNS solana.pubkey LANGUAGE sql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, solana AS $$
    SELECT solana._add_keypair(name, solana._keypair_secret(keypair_json))
$$;
COMMENT ON FUNCTION solana.import_keypair(text, text) IS
    'register a Solana CLI keypair (JSON array of 64 numbers) under a name; returns its public key';
REVOKE ALL ON FUNCTION solana.import_keypair(text, text) FROM PUBLIC;

CREATE FUNCTION solana.generate_keypair(name text)
RETURNS solana.pubkey LANGUAGE sql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, solana AS $$
    SELECT solana._add_keypair(name, solana._keypair_secret(NULL))
$$;
COMMENT ON FUNCTION solana.generate_keypair(text) IS
    'create and register a new random keypair under a name; returns its public key';
REVOKE ALL ON FUNCTION solana.generate_keypair(text) FROM PUBLIC;

CREATE FUNCTION solana.keypair_pubkey(name text DEFAULT 'default') RETURNS solana.pubkey
    AS 'MODULE_PATHNAME', 'solana_keypair_pubkey' LANGUAGE C VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, solana;
COMMENT ON FUNCTION solana.keypair_pubkey(text) IS
    'the public key of a signer name (a solana.keypairs row, or ''default'' for solana.keypair_path)';

CREATE FUNCTION solana.sign_message(message bytea, signers text[] DEFAULT ARRAY['default'])
RETURNS bytea AS 'MODULE_PATHNAME', 'solana_sign_message'
LANGUAGE C VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, solana;
COMMENT ON FUNCTION solana.sign_message(bytea, text[]) IS
    'the wire transaction of a message signed by the named signers (solana.keypairs names, ''default'' for solana.keypair_path); EXECUTE is granted explicitly';
REVOKE ALL ON FUNCTION solana.sign_message(bytea, text[]) FROM PUBLIC;
