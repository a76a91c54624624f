-- pg_solana 0.1.0: the first released install script, frozen from commit
-- b94b599 (sql/install/ as it stood then).  Never edit this file: it is what
-- existing installations ran.  Changes since go into
-- sql/pg_solana--0.1.0--0.2.0.sql and into sql/install/ (docs/upgrades.md).

-- pg_solana install script, part 00: key and signature types.
--
-- solana.pubkey (32 bytes) and solana.signature (64 bytes) are the same
-- kind of type at two sizes, so one block below creates both: binary
-- storage, base58 text I/O, binary send/recv, bytewise comparison, btree
-- and hash operator classes, and casts to and from bytea.

\echo Use "CREATE EXTENSION pg_solana" to load this file. \quit

DO $types$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('pubkey', 32, 'an account address or program id'),
                                   ('signature', 64, 'an ed25519 transaction signature'))
                           AS v(name, size, what)
    LOOP
        EXECUTE format('CREATE TYPE solana.%1$I', t.name);
        EXECUTE format($f$
            CREATE FUNCTION solana.%1$I_in(cstring) RETURNS solana.%1$I
                AS 'MODULE_PATHNAME', 'solana_%1$s_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
            CREATE FUNCTION solana.%1$I_out(solana.%1$I) RETURNS cstring
                AS 'MODULE_PATHNAME', 'solana_%1$s_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
            CREATE FUNCTION solana.%1$I_recv(internal) RETURNS solana.%1$I
                AS 'MODULE_PATHNAME', 'solana_%1$s_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
            CREATE FUNCTION solana.%1$I_send(solana.%1$I) RETURNS bytea
                AS 'MODULE_PATHNAME', 'solana_%1$s_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
            CREATE TYPE solana.%1$I (
                INPUT = solana.%1$I_in, OUTPUT = solana.%1$I_out,
                RECEIVE = solana.%1$I_recv, SEND = solana.%1$I_send,
                INTERNALLENGTH = %2$s, ALIGNMENT = char, STORAGE = plain);
            COMMENT ON TYPE solana.%1$I IS
                '%3$s: %2$s bytes stored binary, base58 text';

            CREATE FUNCTION solana.%1$I(text) RETURNS solana.%1$I
                AS 'MODULE_PATHNAME', 'solana_%1$s_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
            COMMENT ON FUNCTION solana.%1$I(text) IS 'parse base58 text as a %1$s';
            CREATE FUNCTION solana.%1$I(bytea) RETURNS solana.%1$I
                AS 'MODULE_PATHNAME', 'solana_%1$s_from_bytea' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
            COMMENT ON FUNCTION solana.%1$I(bytea) IS 'a %1$s from exactly %2$s bytes';
            CREATE FUNCTION solana.bytea(solana.%1$I) RETURNS bytea
                AS 'MODULE_PATHNAME', 'solana_%1$s_to_bytea' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
            COMMENT ON FUNCTION solana.bytea(solana.%1$I) IS 'the %2$s raw bytes of a %1$s';
            CREATE CAST (bytea AS solana.%1$I) WITH FUNCTION solana.%1$I(bytea);
            CREATE CAST (solana.%1$I AS bytea) WITH FUNCTION solana.bytea(solana.%1$I);

            CREATE FUNCTION solana.%1$I_eq(solana.%1$I, solana.%1$I) RETURNS bool
                AS 'MODULE_PATHNAME', 'solana_%1$s_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
            CREATE FUNCTION solana.%1$I_ne(solana.%1$I, solana.%1$I) RETURNS bool
                AS 'MODULE_PATHNAME', 'solana_%1$s_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
            CREATE FUNCTION solana.%1$I_lt(solana.%1$I, solana.%1$I) RETURNS bool
                AS 'MODULE_PATHNAME', 'solana_%1$s_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
            CREATE FUNCTION solana.%1$I_le(solana.%1$I, solana.%1$I) RETURNS bool
                AS 'MODULE_PATHNAME', 'solana_%1$s_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
            CREATE FUNCTION solana.%1$I_gt(solana.%1$I, solana.%1$I) RETURNS bool
                AS 'MODULE_PATHNAME', 'solana_%1$s_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
            CREATE FUNCTION solana.%1$I_ge(solana.%1$I, solana.%1$I) RETURNS bool
                AS 'MODULE_PATHNAME', 'solana_%1$s_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
            CREATE FUNCTION solana.%1$I_cmp(solana.%1$I, solana.%1$I) RETURNS int
                AS 'MODULE_PATHNAME', 'solana_%1$s_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
            CREATE FUNCTION solana.%1$I_hash(solana.%1$I) RETURNS int
                AS 'MODULE_PATHNAME', 'solana_%1$s_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
            CREATE FUNCTION solana.%1$I_hash_extended(solana.%1$I, bigint) RETURNS bigint
                AS 'MODULE_PATHNAME', 'solana_%1$s_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

            CREATE OPERATOR solana.= (LEFTARG = solana.%1$I, RIGHTARG = solana.%1$I,
                PROCEDURE = solana.%1$I_eq, COMMUTATOR = OPERATOR(solana.=),
                NEGATOR = OPERATOR(solana.<>), RESTRICT = eqsel, JOIN = eqjoinsel,
                HASHES, MERGES);
            CREATE OPERATOR solana.<> (LEFTARG = solana.%1$I, RIGHTARG = solana.%1$I,
                PROCEDURE = solana.%1$I_ne, COMMUTATOR = OPERATOR(solana.<>),
                NEGATOR = OPERATOR(solana.=), RESTRICT = neqsel, JOIN = neqjoinsel);
            CREATE OPERATOR solana.< (LEFTARG = solana.%1$I, RIGHTARG = solana.%1$I,
                PROCEDURE = solana.%1$I_lt, COMMUTATOR = OPERATOR(solana.>),
                NEGATOR = OPERATOR(solana.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
            CREATE OPERATOR solana.<= (LEFTARG = solana.%1$I, RIGHTARG = solana.%1$I,
                PROCEDURE = solana.%1$I_le, COMMUTATOR = OPERATOR(solana.>=),
                NEGATOR = OPERATOR(solana.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
            CREATE OPERATOR solana.> (LEFTARG = solana.%1$I, RIGHTARG = solana.%1$I,
                PROCEDURE = solana.%1$I_gt, COMMUTATOR = OPERATOR(solana.<),
                NEGATOR = OPERATOR(solana.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
            CREATE OPERATOR solana.>= (LEFTARG = solana.%1$I, RIGHTARG = solana.%1$I,
                PROCEDURE = solana.%1$I_ge, COMMUTATOR = OPERATOR(solana.<=),
                NEGATOR = OPERATOR(solana.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);

            CREATE OPERATOR CLASS solana.%1$I_ops DEFAULT FOR TYPE solana.%1$I USING btree AS
                OPERATOR 1 solana.<, OPERATOR 2 solana.<=, OPERATOR 3 solana.=,
                OPERATOR 4 solana.>=, OPERATOR 5 solana.>,
                FUNCTION 1 solana.%1$I_cmp(solana.%1$I, solana.%1$I);
            CREATE OPERATOR CLASS solana.%1$I_hash_ops DEFAULT FOR TYPE solana.%1$I USING hash AS
                OPERATOR 1 solana.=,
                FUNCTION 1 solana.%1$I_hash(solana.%1$I),
                FUNCTION 2 solana.%1$I_hash_extended(solana.%1$I, bigint);
        $f$, t.name, t.size, t.what);

        -- support functions are plumbing, not API: say so in \dx+
        EXECUTE format($c$
            COMMENT ON FUNCTION solana.%1$I_in(cstring) IS 'I/O support for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_out(solana.%1$I) IS 'I/O support for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_recv(internal) IS 'I/O support for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_send(solana.%1$I) IS 'I/O support for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_eq(solana.%1$I, solana.%1$I) IS 'implementation of = for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_ne(solana.%1$I, solana.%1$I) IS 'implementation of <> for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_lt(solana.%1$I, solana.%1$I) IS 'implementation of < for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_le(solana.%1$I, solana.%1$I) IS 'implementation of <= for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_gt(solana.%1$I, solana.%1$I) IS 'implementation of > for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_ge(solana.%1$I, solana.%1$I) IS 'implementation of >= for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_cmp(solana.%1$I, solana.%1$I) IS 'btree support: bytewise order of solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_hash(solana.%1$I) IS 'hash support for solana.%1$s';
            COMMENT ON FUNCTION solana.%1$I_hash_extended(solana.%1$I, bigint) IS 'hash support for solana.%1$s';
        $c$, t.name);
    END LOOP;
END
$types$;

-- base58 of any length, program derived addresses

CREATE FUNCTION solana.base58_encode(data bytea) RETURNS text
    AS 'MODULE_PATHNAME', 'solana_base58_encode' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.base58_encode(bytea) IS 'base58 (Bitcoin alphabet) text of any bytes';

CREATE FUNCTION solana.base58_decode(text text) RETURNS bytea
    AS 'MODULE_PATHNAME', 'solana_base58_decode' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.base58_decode(text) IS 'bytes of base58 text of any length';

CREATE FUNCTION solana.find_program_address(seeds bytea[], program_id solana.pubkey,
                                            OUT address solana.pubkey, OUT bump int)
    AS 'MODULE_PATHNAME', 'solana_find_program_address' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.find_program_address(bytea[], solana.pubkey) IS
    'program derived address and bump as the runtime finds them (at most 15 seeds of at most 32 bytes)';

CREATE FUNCTION solana.create_program_address(seeds bytea[], program_id solana.pubkey)
    RETURNS solana.pubkey
    AS 'MODULE_PATHNAME', 'solana_create_program_address' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.create_program_address(bytea[], solana.pubkey) IS
    'program derived address of exactly these seeds; error when it lies on the curve';

CREATE FUNCTION solana.associated_token_address(
        wallet solana.pubkey, mint solana.pubkey,
        token_program solana.pubkey DEFAULT 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA')
    RETURNS solana.pubkey
    AS 'MODULE_PATHNAME', 'solana_associated_token_address' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.associated_token_address(solana.pubkey, solana.pubkey, solana.pubkey) IS
    'associated token account of a wallet for a mint (SPL Token by default)';

CREATE FUNCTION solana.is_on_curve(key solana.pubkey) RETURNS bool
    AS 'MODULE_PATHNAME', 'solana_is_on_curve' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.is_on_curve(solana.pubkey) IS
    'true for keys that can sign (on the ed25519 curve), false for program derived addresses';
-- pg_solana install script, part 10: Anchor decoding (issue 3).
--
-- solana.programs holds registered IDLs; each backend compiles an IDL
-- once into a plan and caches it until the table changes (the trigger
-- below sends a relcache invalidation).  The decode functions turn
-- borsh bytes into jsonb by the convention of docs/decoding.md.

CREATE TABLE solana.programs (
    program_id      solana.pubkey PRIMARY KEY,  -- filled from the IDL when null
    name            text NOT NULL,
    idl             jsonb NOT NULL,
    idl_format      text NOT NULL CHECK (idl_format IN ('anchor', 'legacy')),
    registered_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE solana.programs IS
    'Anchor IDLs by program id; write through solana.register_program(), which validates them';
COMMENT ON COLUMN solana.programs.program_id IS 'the program the IDL describes';
COMMENT ON COLUMN solana.programs.name IS 'metadata.name (>= 0.30) or name (legacy) of the IDL';
COMMENT ON COLUMN solana.programs.idl IS 'the IDL as registered';
COMMENT ON COLUMN solana.programs.idl_format IS 'anchor (>= 0.30: address and explicit discriminators) or legacy (<= 0.29: sha256 discriminators)';
COMMENT ON COLUMN solana.programs.registered_at IS 'when this version of the IDL was registered';
-- registered IDLs are user data: pg_dump keeps them
SELECT pg_catalog.pg_extension_config_dump('solana.programs', '');

CREATE FUNCTION solana._programs_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'solana_programs_changed' LANGUAGE C;
COMMENT ON FUNCTION solana._programs_changed() IS
    'statement trigger: drops every backend''s cached IDL plans when solana.programs changes';
REVOKE ALL ON FUNCTION solana._programs_changed() FROM PUBLIC;

CREATE TRIGGER programs_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON solana.programs
    FOR EACH STATEMENT EXECUTE FUNCTION solana._programs_changed();

CREATE FUNCTION solana._programs_validate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'solana_programs_validate' LANGUAGE C;
COMMENT ON FUNCTION solana._programs_validate() IS
    'row trigger: compiles the IDL of every row written to solana.programs (errors name the path inside the IDL) and fills program_id, name and idl_format from it';
REVOKE ALL ON FUNCTION solana._programs_validate() FROM PUBLIC;

CREATE TRIGGER programs_validate
    BEFORE INSERT OR UPDATE ON solana.programs
    FOR EACH ROW EXECUTE FUNCTION solana._programs_validate();

CREATE FUNCTION solana.register_program(idl jsonb, program_id solana.pubkey DEFAULT NULL)
    RETURNS solana.pubkey
    LANGUAGE plpgsql SECURITY INVOKER
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    registered solana.pubkey;
BEGIN
    IF idl IS NULL THEN
        RAISE EXCEPTION 'idl must not be null' USING ERRCODE = '22004';
    END IF;
    -- the row trigger validates the IDL and fills program_id (from the
    -- IDL's address when null), name and idl_format
    INSERT INTO solana.programs AS p (program_id, name, idl, idl_format, registered_at)
        VALUES (program_id, '', idl, 'anchor', now())
        ON CONFLICT ON CONSTRAINT programs_pkey DO UPDATE
        SET idl = excluded.idl, registered_at = excluded.registered_at
        RETURNING p.program_id INTO registered;
    RETURN registered;
END
$$;
COMMENT ON FUNCTION solana.register_program(jsonb, solana.pubkey) IS
    'validates an Anchor IDL (>= 0.30 or legacy) and stores it for the program (the IDL''s address unless program_id is given), replacing an earlier one';

CREATE FUNCTION solana.unregister_program(program_id solana.pubkey) RETURNS bool
    LANGUAGE sql SECURITY INVOKER
    SET search_path = pg_catalog, solana
AS $$
    WITH d AS (DELETE FROM solana.programs p WHERE p.program_id OPERATOR(solana.=) $1 RETURNING 1)
    SELECT count(*) > 0 FROM d
$$;
COMMENT ON FUNCTION solana.unregister_program(solana.pubkey) IS
    'removes the IDL of a program; true when there was one';


CREATE FUNCTION solana.decode_event(program_id solana.pubkey, data bytea,
                                    OUT name text, OUT data jsonb)
    AS 'MODULE_PATHNAME', 'solana_decode_event'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION solana.decode_event(solana.pubkey, bytea) IS
    'decodes a raw Anchor event (discriminator + borsh) with the program''s registered IDL';

CREATE FUNCTION solana.decode_account(program_id solana.pubkey, data bytea,
                                      account_type text DEFAULT NULL,
                                      OUT type text, OUT data jsonb)
    AS 'MODULE_PATHNAME', 'solana_decode_account'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION solana.decode_account(solana.pubkey, bytea, text) IS
    'decodes Anchor account data (discriminator + borsh, trailing padding allowed); with account_type the discriminator must be that type''s';

CREATE FUNCTION solana.decode_instruction(program_id solana.pubkey, data bytea,
                                          OUT name text, OUT args jsonb)
    AS 'MODULE_PATHNAME', 'solana_decode_instruction'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION solana.decode_instruction(solana.pubkey, bytea) IS
    'decodes Anchor instruction data into the instruction name and its args';

CREATE FUNCTION solana.decode_cpi_event(program_id solana.pubkey, instruction_data bytea,
                                        OUT name text, OUT data jsonb)
    AS 'MODULE_PATHNAME', 'solana_decode_cpi_event'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION solana.decode_cpi_event(solana.pubkey, bytea) IS
    'decodes the data of an emit_cpi! inner instruction (Anchor event tag e445a52e51cb9a1d + event)';

CREATE FUNCTION solana.decode_logs(logs text[],
                                   OUT log_index int, OUT program_id solana.pubkey,
                                   OUT depth int, OUT event_name text, OUT data jsonb,
                                   OUT raw bytea, OUT truncated bool,
                                   OUT top_level_index int, OUT cpi_index int,
                                   OUT decode_error text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'solana_decode_logs'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 8;
COMMENT ON FUNCTION solana.decode_logs(text[]) IS
    'one row per "Program data:" line of a transaction''s logs: the program executing it (invoke stack, CPI-aware), depth, and the decoded event when its IDL is registered';
-- pg_solana install script, part 20: ingest (issue 5).
--
-- The ingest worker follows *subscriptions* (logs of a program, accounts
-- owned by a program, one account) over pubsub, backfills gaps over
-- JSON-RPC, and writes *events* (one row per "Program data:" log line of
-- a transaction), the signatures it has processed, account states and
-- its per-subscription *cursor* (the last slot/signature fully written)
-- in one transaction per batch.  See docs/ingest.md.

-- ---------------------------------------------------------------------
-- subscriptions
-- ---------------------------------------------------------------------
CREATE TABLE solana.subscriptions (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL
                    CHECK (kind IN ('logs', 'program', 'account')),
    target          solana.pubkey NOT NULL,
    commitment      text NOT NULL DEFAULT 'confirmed'
                    CHECK (commitment IN ('processed', 'confirmed', 'finalized')),
    filters         jsonb NOT NULL DEFAULT '[]'
                    CHECK (jsonb_typeof(filters) = 'array'),
    enabled         bool NOT NULL DEFAULT true,
    from_signature  solana.signature,
    from_slot       bigint CHECK (from_slot >= 0),
    keep_history    bool NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, target, commitment)
);
COMMENT ON TABLE solana.subscriptions IS
    'what the ingest worker follows: logs mentioning a program, accounts owned by a program, or one account; a commit here wakes the worker';
COMMENT ON COLUMN solana.subscriptions.kind IS 'logs (logsSubscribe mentions), program (programSubscribe) or account (accountSubscribe)';
COMMENT ON COLUMN solana.subscriptions.target IS 'the program id (logs, program) or the account address (account)';
COMMENT ON COLUMN solana.subscriptions.filters IS 'programSubscribe filters as JSON-RPC spells them: [{"dataSize": n}, {"memcmp": {"offset": n, "bytes": "<base58>"}}]';
COMMENT ON COLUMN solana.subscriptions.from_signature IS 'backfill start for a logs subscription without a cursor: signatures after this one are fetched';
COMMENT ON COLUMN solana.subscriptions.from_slot IS 'backfill start for a logs subscription without a cursor: transactions at this slot or later are fetched';
COMMENT ON COLUMN solana.subscriptions.keep_history IS 'account and program subscriptions: also append every state to solana.account_history';

-- ---------------------------------------------------------------------
-- events, partitioned by slot range
-- ---------------------------------------------------------------------
CREATE SEQUENCE solana.events_id_seq;
COMMENT ON SEQUENCE solana.events_id_seq IS 'ids of solana.events rows';

CREATE TABLE solana.events (
    id              bigint NOT NULL DEFAULT nextval('solana.events_id_seq'),
    signature       solana.signature NOT NULL,
    slot            bigint NOT NULL,
    block_time      timestamptz,
    log_index       int NOT NULL,
    program_id      solana.pubkey NOT NULL,
    depth           int NOT NULL,
    event_name      text,
    data            jsonb,
    raw             bytea NOT NULL,
    commitment      text NOT NULL,
    tx_failed       bool NOT NULL DEFAULT false,
    ingested_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (signature, log_index, slot)
) PARTITION BY RANGE (slot);
ALTER SEQUENCE solana.events_id_seq OWNED BY solana.events.id;
CREATE INDEX events_program_event_slot_idx ON solana.events (program_id, event_name, slot);
CREATE INDEX events_slot_idx ON solana.events (slot);
COMMENT ON TABLE solana.events IS
    'one row per "Program data:" log line of an ingested transaction, decoded with the registered IDL (event_name and data NULL until it is); range-partitioned by slot';
COMMENT ON COLUMN solana.events.log_index IS 'index of the line in meta.logMessages; with signature, the identity of the event';
COMMENT ON COLUMN solana.events.program_id IS 'the program on top of the invocation stack when the line was logged';
COMMENT ON COLUMN solana.events.depth IS 'invocation stack height: 1 for a top-level instruction, more for CPIs (emit_cpi! events included)';
COMMENT ON COLUMN solana.events.raw IS 'the event bytes (discriminator + borsh) exactly as logged';
COMMENT ON COLUMN solana.events.commitment IS 'confirmed or finalized (promoted by solana.refresh_commitment), or dead when the slot was skipped';

-- The partition width: one epoch of slots.
CREATE FUNCTION solana._events_partition_width() RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT 432000::bigint';
COMMENT ON FUNCTION solana._events_partition_width() IS 'slots per solana.events partition';
REVOKE ALL ON FUNCTION solana._events_partition_width() FROM PUBLIC;

CREATE FUNCTION solana.create_event_partitions(from_slot bigint, to_slot bigint)
    RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    w constant bigint := solana._events_partition_width();
    s bigint;
    made int := 0;
BEGIN
    IF from_slot IS NULL OR to_slot IS NULL OR from_slot < 0 OR to_slot < from_slot THEN
        RAISE EXCEPTION 'invalid slot range for solana.events partitions: % .. %', from_slot, to_slot
            USING ERRCODE = '22023';
    END IF;
    IF to_slot - from_slot > 1000 * w THEN
        RAISE EXCEPTION 'slot range % .. % needs more than 1000 partitions', from_slot, to_slot
            USING ERRCODE = '54000';
    END IF;
    s := from_slot / w * w;
    WHILE s <= to_slot LOOP
        IF to_regclass(format('solana.events_p%s', s)) IS NULL THEN
            EXECUTE format('CREATE TABLE solana.%I PARTITION OF solana.events FOR VALUES FROM (%s) TO (%s)',
                           'events_p' || s, s, s + w);
            made := made + 1;
        END IF;
        s := s + w;
    END LOOP;
    RETURN made;
END
$$;
COMMENT ON FUNCTION solana.create_event_partitions(bigint, bigint) IS
    'create the solana.events partitions (one epoch, 432000 slots, each) covering from_slot..to_slot; returns how many were created';

CREATE FUNCTION solana.drop_event_partitions(before_slot bigint)
    RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    p record;
    dropped int := 0;
BEGIN
    FOR p IN
        SELECT c.oid::regclass AS rel,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''?(\d+)''?\)'))[1]::bigint AS upper
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'solana.events'::regclass
    LOOP
        IF p.upper <= before_slot THEN
            EXECUTE format('DROP TABLE %s', p.rel);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END
$$;
COMMENT ON FUNCTION solana.drop_event_partitions(bigint) IS
    'retention: drop the solana.events partitions that lie entirely below before_slot; returns how many were dropped';

-- ---------------------------------------------------------------------
-- what the worker has processed
-- ---------------------------------------------------------------------
CREATE TABLE solana.transactions_seen (
    signature       solana.signature PRIMARY KEY,
    slot            bigint NOT NULL,
    block_time      timestamptz,
    failed          bool NOT NULL DEFAULT false,
    err             jsonb,
    event_cnt       int NOT NULL DEFAULT 0,
    commitment      text NOT NULL,
    source          text NOT NULL CHECK (source IN ('live', 'backfill')),
    complete        bool NOT NULL DEFAULT true,
    seen_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transactions_seen_slot_idx ON solana.transactions_seen (slot);
CREATE INDEX transactions_seen_unfinal_idx ON solana.transactions_seen (slot)
    WHERE commitment <> 'finalized';
COMMENT ON TABLE solana.transactions_seen IS
    'every transaction the ingest worker processed, failed ones and ones without events included';
COMMENT ON COLUMN solana.transactions_seen.complete IS
    'all its events are stored: fetched with getTransaction, or seen live without inner invocations (which could carry emit_cpi! events the logs do not show)';

-- ---------------------------------------------------------------------
-- accounts
-- ---------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS solana.accounts (
    pubkey          solana.pubkey PRIMARY KEY,
    owner           solana.pubkey NOT NULL,
    lamports        bigint NOT NULL,
    executable      bool NOT NULL DEFAULT false,
    rent_epoch      numeric(20, 0),
    data            bytea NOT NULL,
    account_type    text,
    decoded         jsonb,
    slot            bigint NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE solana.accounts IS
    'latest known state of each followed account; account_type and decoded set when the owner program is registered';

CREATE TABLE solana.account_history (
    pubkey          solana.pubkey NOT NULL,
    slot            bigint NOT NULL,
    owner           solana.pubkey NOT NULL,
    lamports        bigint NOT NULL,
    data            bytea NOT NULL,
    account_type    text,
    decoded         jsonb,
    subscription_id bigint REFERENCES solana.subscriptions (id) ON DELETE SET NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pubkey, slot)
);
COMMENT ON TABLE solana.account_history IS
    'every state (the last one per slot) of the accounts of subscriptions with keep_history';

-- ---------------------------------------------------------------------
-- cursors, errors, backfill progress
-- ---------------------------------------------------------------------
CREATE TABLE solana.ingest_cursor (
    subscription_id     bigint PRIMARY KEY
                        REFERENCES solana.subscriptions (id) ON DELETE CASCADE,
    last_slot           bigint,
    last_signature      solana.signature,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    backfill_from_slot  bigint,
    backfill_to_slot    bigint,
    backfill_total      bigint,
    backfill_done       bigint NOT NULL DEFAULT 0,
    backfill_started_at timestamptz,
    backfill_finished_at timestamptz
);
COMMENT ON TABLE solana.ingest_cursor IS
    'per subscription, the last slot and signature fully written, committed with the rows it covers; backfill resumes after it';

CREATE TABLE solana.ingest_errors (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    subscription_id bigint REFERENCES solana.subscriptions (id) ON DELETE SET NULL,
    sqlstate        text NOT NULL,
    message         text NOT NULL,
    signature       solana.signature,
    raw             text
);
CREATE INDEX ingest_errors_at_idx ON solana.ingest_errors (at);
COMMENT ON TABLE solana.ingest_errors IS
    'malformed messages, undecodable events and RPC failures met by the ingest worker (raw input truncated to 4 kB)';

CREATE VIEW solana.backfill_progress AS
SELECT s.id AS subscription_id,
       s.kind,
       s.target,
       c.backfill_from_slot AS from_slot,
       c.backfill_to_slot AS to_slot,
       c.backfill_total AS total,
       c.backfill_done AS done,
       c.backfill_finished_at IS NOT NULL AS finished,
       CASE WHEN c.backfill_started_at IS NOT NULL AND c.backfill_done > 0 THEN
            round(c.backfill_done / greatest(extract(epoch FROM
                coalesce(c.backfill_finished_at, now()) - c.backfill_started_at), 0.001), 1)
       END AS rate,
       CASE WHEN c.backfill_finished_at IS NOT NULL THEN interval '0'
            WHEN c.backfill_done > 0 AND c.backfill_total IS NOT NULL THEN
            (now() - c.backfill_started_at) / c.backfill_done
                * greatest(c.backfill_total - c.backfill_done, 0)
       END AS eta
  FROM solana.subscriptions s
  JOIN solana.ingest_cursor c ON c.subscription_id = s.id
 WHERE c.backfill_started_at IS NOT NULL;
COMMENT ON VIEW solana.backfill_progress IS
    'backfill of each subscription: slot range, transactions done of total, rate (transactions/s) and eta';

-- ---------------------------------------------------------------------
-- waking the worker at commit
-- ---------------------------------------------------------------------
CREATE FUNCTION solana._ingest_wake() RETURNS trigger
    AS 'MODULE_PATHNAME', 'solana_ingest_wake' LANGUAGE C;
COMMENT ON FUNCTION solana._ingest_wake() IS
    'trigger: wake the ingest worker when the transaction commits';
REVOKE ALL ON FUNCTION solana._ingest_wake() FROM PUBLIC;

CREATE TRIGGER subscriptions_wake_ingest
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON solana.subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION solana._ingest_wake();

CREATE FUNCTION solana._ingest_require_preload() RETURNS void
    AS 'MODULE_PATHNAME', 'solana_ingest_require_preload' LANGUAGE C;
COMMENT ON FUNCTION solana._ingest_require_preload() IS
    'raise 55000 unless pg_solana is preloaded (the ingest worker exists)';
REVOKE ALL ON FUNCTION solana._ingest_require_preload() FROM PUBLIC;

-- ---------------------------------------------------------------------
-- the API
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.subscribe(
    kind text,
    target solana.pubkey,
    commitment text DEFAULT NULL,
    filters jsonb DEFAULT '[]',
    from_signature solana.signature DEFAULT NULL,
    from_slot bigint DEFAULT NULL,
    keep_history bool DEFAULT false)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    c text := coalesce(commitment, current_setting('solana.commitment'));
    f jsonb;
    sid bigint;
BEGIN
    PERFORM solana._ingest_require_preload();
    IF kind IS NULL OR kind NOT IN ('logs', 'program', 'account') THEN
        RAISE EXCEPTION 'invalid subscription kind: "%"', kind
            USING ERRCODE = '22023', HINT = 'Valid kinds are logs, program and account.';
    END IF;
    IF target IS NULL THEN
        RAISE EXCEPTION 'subscription target must not be null' USING ERRCODE = '22004';
    END IF;
    IF c NOT IN ('processed', 'confirmed', 'finalized') THEN
        RAISE EXCEPTION 'invalid commitment: "%"', c
            USING ERRCODE = '22023', HINT = 'Valid values are processed, confirmed and finalized.';
    END IF;
    IF filters IS NULL OR jsonb_typeof(filters) <> 'array' THEN
        RAISE EXCEPTION 'invalid subscription filters: %', filters
            USING ERRCODE = '22023', DETAIL = 'Filters are a JSON array.';
    END IF;
    IF kind <> 'program' AND jsonb_array_length(filters) > 0 THEN
        RAISE EXCEPTION 'filters apply only to program subscriptions, not "%"', kind
            USING ERRCODE = '22023';
    END IF;
    FOR f IN SELECT * FROM jsonb_array_elements(filters) LOOP
        IF NOT (
            (f ? 'dataSize' AND jsonb_typeof(f->'dataSize') = 'number' AND (SELECT count(*) FROM jsonb_object_keys(f)) = 1)
            OR (f ? 'memcmp' AND jsonb_typeof(f->'memcmp'->'offset') = 'number'
                AND jsonb_typeof(f->'memcmp'->'bytes') = 'string'
                AND (SELECT count(*) FROM jsonb_object_keys(f)) = 1))
        THEN
            RAISE EXCEPTION 'invalid subscription filter: %', f
                USING ERRCODE = '22023',
                      HINT = 'Use {"dataSize": n} or {"memcmp": {"offset": n, "bytes": "<base58>"}}.';
        END IF;
        IF f ? 'memcmp' THEN
            PERFORM solana.base58_decode(f->'memcmp'->>'bytes');
        END IF;
    END LOOP;
    IF (from_signature IS NOT NULL OR from_slot IS NOT NULL) AND kind <> 'logs' THEN
        RAISE EXCEPTION 'a backfill start applies only to logs subscriptions, not "%"', kind
            USING ERRCODE = '22023';
    END IF;
    IF from_slot < 0 THEN
        RAISE EXCEPTION 'invalid backfill start slot: %', from_slot USING ERRCODE = '22023';
    END IF;

    INSERT INTO solana.subscriptions AS s
           (kind, target, commitment, filters, from_signature, from_slot, keep_history)
    VALUES (subscribe.kind, subscribe.target, c, subscribe.filters,
            subscribe.from_signature, subscribe.from_slot, subscribe.keep_history)
    ON CONFLICT ON CONSTRAINT subscriptions_kind_target_commitment_key DO UPDATE
       SET enabled = true, filters = EXCLUDED.filters,
           keep_history = EXCLUDED.keep_history,
           from_signature = coalesce(EXCLUDED.from_signature, s.from_signature),
           from_slot = coalesce(EXCLUDED.from_slot, s.from_slot)
    RETURNING s.id INTO sid;
    RETURN sid;
END
$$;
COMMENT ON FUNCTION solana.subscribe(text, solana.pubkey, text, jsonb, solana.signature, bigint, bool) IS
    'follow logs mentioning a program (kind logs), the accounts a program owns (program) or one account (account); returns the subscription id; the worker picks it up at commit';

CREATE FUNCTION solana.unsubscribe(subscription_id bigint)
    RETURNS bool
    LANGUAGE sql
    SET search_path = pg_catalog, solana
AS $$
    WITH d AS (DELETE FROM solana.subscriptions s WHERE s.id = unsubscribe.subscription_id
               RETURNING 1)
    SELECT count(*) > 0 FROM d
$$;
COMMENT ON FUNCTION solana.unsubscribe(bigint) IS
    'stop following a subscription and forget its cursor (its rows stay); true when it existed';

CREATE FUNCTION solana.unsubscribe(kind text, target solana.pubkey)
    RETURNS int
    LANGUAGE sql
    SET search_path = pg_catalog, solana
AS $$
    WITH d AS (DELETE FROM solana.subscriptions s
                WHERE s.kind = unsubscribe.kind AND s.target = unsubscribe.target
               RETURNING 1)
    SELECT count(*)::int FROM d
$$;
COMMENT ON FUNCTION solana.unsubscribe(text, solana.pubkey) IS
    'stop following every subscription of this kind and target; returns how many were removed';

CREATE FUNCTION solana.redecode(program_id solana.pubkey)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    r record;
    d record;
    n bigint := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.programs p WHERE p.program_id = redecode.program_id) THEN
        RAISE EXCEPTION 'program % has no registered IDL', redecode.program_id
            USING ERRCODE = '42704', HINT = 'Register its IDL with solana.register_program().';
    END IF;
    FOR r IN SELECT e.signature, e.log_index, e.slot, e.raw, e.event_name, e.data
               FROM solana.events e WHERE e.program_id = redecode.program_id
    LOOP
        BEGIN
            SELECT x.name, x.data INTO d FROM solana.decode_event(redecode.program_id, r.raw) x;
        EXCEPTION WHEN data_exception THEN
            CONTINUE;           -- still undecodable: the row stays raw
        END;
        IF d.name IS DISTINCT FROM r.event_name OR d.data IS DISTINCT FROM r.data THEN
            UPDATE solana.events e SET event_name = d.name, data = d.data
             WHERE e.signature = r.signature AND e.log_index = r.log_index AND e.slot = r.slot;
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION solana.redecode(solana.pubkey) IS
    'decode again every stored event of a program with its registered IDL (events stored raw before the IDL arrived, or after it changed); returns how many rows changed';

CREATE FUNCTION solana.refresh_commitment(max_transactions int DEFAULT 10000,
                                          OUT finalized bigint, OUT dead bigint)
    AS 'MODULE_PATHNAME', 'solana_refresh_commitment'
    LANGUAGE C VOLATILE
    SET search_path = pg_catalog, solana;
COMMENT ON FUNCTION solana.refresh_commitment(int) IS
    'ask solana.rpc_url for the status of ingested transactions not yet finalized: promote the finalized ones, mark those of skipped slots dead (NOTIFY solana_events {"dead": signature, "slot": n}); schedule with pg_cron';
-- pg_solana install script, part 30: the job queue.
--
-- A *job* is one row of solana.jobs: a unit of work of some *kind* in a
-- named *queue*.  Producers call solana.enqueue; workers (the built-in
-- dispatcher, or any application speaking SQL) call solana.claim, which
-- takes a *lease* on up to n jobs with FOR UPDATE SKIP LOCKED, then
-- solana.complete or solana.fail each one.  A job whose lease expires
-- goes back to the queue; the attempt it used still counts.
--
-- States: queued (waiting; run_at says from when), running (leased),
-- succeeded, failed (given up by the worker, no retry), dead (out of
-- attempts: the dead-letter state), cancelled.  Only queued and running
-- are live; the others are terminal and subject to retention.
--
-- Functions schema-qualify everything they touch instead of a SET
-- search_path clause: claim, complete and enqueue are hot paths and a
-- SET clause costs a GUC save and restore per call.
--
-- NOTIFY channel solana_jobs, JSON payloads:
--   {"op":"enqueued","queue":q}     once per transaction and queue
--   {"op":"succeeded"|"failed"|"dead"|"cancelled","queue":q,"id":n,"kind":k}

-- concurrency is {"kind": max running jobs, ...}
CREATE FUNCTION solana._valid_concurrency(c jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.jsonb_typeof(c) = 'object'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_each(c) AS e
                        WHERE pg_catalog.jsonb_typeof(e.value) <> 'number'
                           OR e.value::text !~ '^[0-9]{1,9}$')
$$;
REVOKE ALL ON FUNCTION solana._valid_concurrency(jsonb) FROM PUBLIC;

CREATE TABLE solana.queues (
    name                text PRIMARY KEY
                        CHECK (name <> '' AND length(name) <= 200),
    max_attempts        integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    backoff_base        interval NOT NULL DEFAULT '1 second'
                        CHECK (backoff_base >= '0'),
    backoff_cap         interval NOT NULL DEFAULT '1 hour'
                        CHECK (backoff_cap >= '0'),
    backoff_jitter      double precision NOT NULL DEFAULT 0.1
                        CHECK (backoff_jitter BETWEEN 0 AND 1),
    keep_succeeded      integer CHECK (keep_succeeded >= 0),
    keep_succeeded_for  interval DEFAULT '1 day',
    keep_failed         integer CHECK (keep_failed >= 0),
    keep_failed_for     interval DEFAULT '7 days',
    rate_limit          integer CHECK (rate_limit >= 1),
    rate_interval       interval NOT NULL DEFAULT '1 second'
                        CHECK (rate_interval > '0'),
    concurrency         jsonb NOT NULL DEFAULT '{}'
                        CHECK (solana._valid_concurrency(concurrency)),
    paused              boolean NOT NULL DEFAULT false,
    notify              boolean NOT NULL DEFAULT true,
    rate_window_start   timestamptz,
    rate_window_claims  integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE solana.queues IS
    'job queues and their defaults: attempts, backoff, retention, rate limit, per-kind concurrency, pause';
COMMENT ON COLUMN solana.queues.max_attempts IS 'default attempts per job, the first included';
COMMENT ON COLUMN solana.queues.backoff_base IS 'delay after the first failed attempt; doubles per attempt';
COMMENT ON COLUMN solana.queues.backoff_cap IS 'longest delay between attempts';
COMMENT ON COLUMN solana.queues.backoff_jitter IS 'fraction 0..1: each delay is shortened by a random part up to this fraction';
COMMENT ON COLUMN solana.queues.keep_succeeded IS 'solana.purge_jobs keeps at most this many succeeded jobs (NULL: no count limit)';
COMMENT ON COLUMN solana.queues.keep_succeeded_for IS 'solana.purge_jobs deletes succeeded jobs finished longer ago (NULL: no age limit)';
COMMENT ON COLUMN solana.queues.keep_failed IS 'solana.purge_jobs keeps at most this many failed, dead and cancelled jobs';
COMMENT ON COLUMN solana.queues.keep_failed_for IS 'solana.purge_jobs deletes failed, dead and cancelled jobs finished longer ago';
COMMENT ON COLUMN solana.queues.rate_limit IS 'at most this many claims per rate_interval (NULL: unlimited)';
COMMENT ON COLUMN solana.queues.rate_interval IS 'the window of rate_limit';
COMMENT ON COLUMN solana.queues.concurrency IS 'per-kind limit of running jobs, {"kind": n}';
COMMENT ON COLUMN solana.queues.paused IS 'solana.claim hands out nothing while true';
COMMENT ON COLUMN solana.queues.notify IS 'announce finished jobs on channel solana_jobs';
COMMENT ON COLUMN solana.queues.rate_window_start IS 'internal: start of the current rate window';
COMMENT ON COLUMN solana.queues.rate_window_claims IS 'internal: claims in the current rate window';

CREATE TABLE solana.jobs (
    id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    queue               text NOT NULL,
    kind                text NOT NULL,
    payload             jsonb NOT NULL DEFAULT '{}',
    priority            integer NOT NULL DEFAULT 0,
    run_at              timestamptz NOT NULL DEFAULT now(),
    state               text NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'running', 'succeeded',
                                         'failed', 'dead', 'cancelled')),
    attempts            integer NOT NULL DEFAULT 0,
    max_attempts        integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    backoff_base        interval NOT NULL DEFAULT '1 second',
    backoff_cap         interval NOT NULL DEFAULT '1 hour',
    backoff_jitter      double precision NOT NULL DEFAULT 0.1,
    lease_owner         text,
    lease_expires_at    timestamptz,
    last_error          text,
    result              jsonb,
    dedup_key           text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz
);
COMMENT ON TABLE solana.jobs IS
    'the job queue: one row per job, claimed with solana.claim (FOR UPDATE SKIP LOCKED)';
COMMENT ON COLUMN solana.jobs.priority IS 'higher runs first';
COMMENT ON COLUMN solana.jobs.run_at IS 'not claimed before this time (delays and retry backoff)';
COMMENT ON COLUMN solana.jobs.state IS 'queued, running, succeeded, failed, dead (out of attempts) or cancelled';
COMMENT ON COLUMN solana.jobs.attempts IS 'claims so far, expired leases included';
COMMENT ON COLUMN solana.jobs.lease_owner IS 'the worker name given to solana.claim';
COMMENT ON COLUMN solana.jobs.lease_expires_at IS 'a running job whose lease is past this time goes back to the queue';
COMMENT ON COLUMN solana.jobs.dedup_key IS 'at most one queued or running job per queue and key';

-- the claim scan: queued jobs of a queue in claim order
CREATE INDEX jobs_claim_idx ON solana.jobs (queue, priority DESC, run_at, id)
    WHERE state = 'queued';
-- lease expiry and per-kind running counts
CREATE INDEX jobs_running_idx ON solana.jobs (queue, lease_expires_at)
    WHERE state = 'running';
-- retention and the dead-letter list
CREATE INDEX jobs_finished_idx ON solana.jobs (queue, state, finished_at)
    WHERE state IN ('succeeded', 'failed', 'dead', 'cancelled');
CREATE UNIQUE INDEX jobs_dedup_idx ON solana.jobs (queue, dedup_key)
    WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running');

-- ---------------------------------------------------------------------
-- Wake-up and NOTIFY
-- ---------------------------------------------------------------------

CREATE FUNCTION solana._wake_dispatcher(queues text[]) RETURNS void
LANGUAGE sql VOLATILE AS $$ SELECT $$;
COMMENT ON FUNCTION solana._wake_dispatcher(text[]) IS
    'internal hook called once per statement that enqueues jobs; the dispatcher replaces it to set its latch at commit';
REVOKE ALL ON FUNCTION solana._wake_dispatcher(text[]) FROM PUBLIC;

-- Statement-level, so one NOTIFY per statement and queue; PostgreSQL
-- folds identical payloads of one transaction, so listeners get one
-- message per transaction and queue, delivered at commit.
-- SECURITY DEFINER so that enqueuing roles need no grant on the hook;
-- everything is qualified instead of a SET search_path (hot path).
CREATE FUNCTION solana._jobs_enqueued() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    qs text[];
    q text;
BEGIN
    SELECT pg_catalog.array_agg(DISTINCT n.queue) INTO qs
      FROM new_jobs n WHERE n.state = 'queued';
    IF qs IS NULL THEN
        RETURN NULL;
    END IF;
    FOREACH q IN ARRAY qs LOOP
        PERFORM pg_catalog.pg_notify('solana_jobs',
            pg_catalog.json_build_object('op', 'enqueued', 'queue', q)::text);
    END LOOP;
    PERFORM solana._wake_dispatcher(qs);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION solana._jobs_enqueued() FROM PUBLIC;
CREATE TRIGGER jobs_enqueued AFTER INSERT ON solana.jobs
    REFERENCING NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION solana._jobs_enqueued();

CREATE FUNCTION solana._announce(j_id bigint, j_queue text, j_kind text, op text)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF (SELECT q.notify FROM solana.queues q WHERE q.name = j_queue) IS FALSE THEN
        RETURN false;
    END IF;
    PERFORM pg_catalog.pg_notify('solana_jobs',
        pg_catalog.json_build_object('op', op, 'queue', j_queue, 'id', j_id,
                                     'kind', j_kind)::text);
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION solana._announce(bigint, text, text, text) FROM PUBLIC;

-- ---------------------------------------------------------------------
-- Producers
-- ---------------------------------------------------------------------

-- solana._queue returns the queue's row, creating it with the defaults
-- on first use.
CREATE FUNCTION solana._queue(q text) RETURNS solana.queues
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    r solana.queues;
BEGIN
    SELECT * INTO r FROM solana.queues WHERE name = q;
    IF NOT FOUND THEN
        IF q IS NULL THEN
            RAISE EXCEPTION 'queue name is null'
                USING ERRCODE = '22004';
        END IF;
        IF q = '' THEN
            RAISE EXCEPTION 'invalid queue name: "%"', q
                USING ERRCODE = '22023',
                      DETAIL = 'A queue name is a non-empty text of at most 200 characters.';
        END IF;
        INSERT INTO solana.queues (name) VALUES (q) ON CONFLICT DO NOTHING;
        SELECT * INTO r FROM solana.queues WHERE name = q;
    END IF;
    RETURN r;
END
$$;
REVOKE ALL ON FUNCTION solana._queue(text) FROM PUBLIC;

CREATE FUNCTION solana._start_time(run_at timestamptz, delay interval)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF run_at IS NOT NULL AND delay IS NOT NULL THEN
        RAISE EXCEPTION 'run_at and delay given together'
            USING ERRCODE = '22023',
                  HINT = 'Give either run_at or delay.';
    END IF;
    IF delay < interval '0' THEN
        RAISE EXCEPTION 'invalid delay: "%"', delay
            USING ERRCODE = '22023', DETAIL = 'A delay must not be negative.';
    END IF;
    RETURN coalesce(run_at, pg_catalog.now() + delay, pg_catalog.now());
END
$$;
REVOKE ALL ON FUNCTION solana._start_time(timestamptz, interval) FROM PUBLIC;

CREATE FUNCTION solana._check_job_args(kind text, max_attempts integer)
RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF kind IS NULL THEN
        RAISE EXCEPTION 'job kind is null' USING ERRCODE = '22004';
    END IF;
    IF kind = '' THEN
        RAISE EXCEPTION 'invalid job kind: "%"', kind
            USING ERRCODE = '22023', DETAIL = 'A job kind is a non-empty text.';
    END IF;
    IF max_attempts < 1 THEN
        RAISE EXCEPTION 'invalid max_attempts: %', max_attempts
            USING ERRCODE = '22023', DETAIL = 'A job gets at least one attempt.';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION solana._check_job_args(text, integer) FROM PUBLIC;

CREATE FUNCTION solana.enqueue(queue text, kind text, payload jsonb DEFAULT '{}',
                               priority integer DEFAULT 0,
                               run_at timestamptz DEFAULT NULL,
                               delay interval DEFAULT NULL,
                               max_attempts integer DEFAULT NULL,
                               dedup_key text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
-- use_column: ON CONFLICT's index predicate names columns, not these
-- parameters, which are written enqueue.<name> wherever a column of
-- jobs is in scope
#variable_conflict use_column
DECLARE
    q solana.queues;
    v_id bigint;
    v_start timestamptz;
BEGIN
    -- the helpers run only when needed: this is a hot path
    SELECT * INTO q FROM solana.queues qq WHERE qq.name = enqueue.queue;
    IF NOT FOUND THEN
        q := solana._queue(enqueue.queue);
    END IF;
    IF enqueue.kind IS NULL OR enqueue.kind = '' OR enqueue.max_attempts < 1 THEN
        PERFORM solana._check_job_args(enqueue.kind, enqueue.max_attempts);
    END IF;
    IF enqueue.run_at IS NULL AND enqueue.delay IS NULL THEN
        v_start := pg_catalog.now();
    ELSE
        v_start := solana._start_time(enqueue.run_at, enqueue.delay);
    END IF;
    IF enqueue.dedup_key IS NULL THEN
        INSERT INTO solana.jobs AS j (queue, kind, payload, priority, run_at,
                                      max_attempts, backoff_base, backoff_cap,
                                      backoff_jitter)
        VALUES (enqueue.queue, enqueue.kind, coalesce(enqueue.payload, '{}'),
                coalesce(enqueue.priority, 0), v_start,
                coalesce(enqueue.max_attempts, q.max_attempts),
                q.backoff_base, q.backoff_cap, q.backoff_jitter)
        RETURNING j.id INTO v_id;
        RETURN v_id;
    END IF;
    -- the existing job may finish between the two statements: loop
    LOOP
        INSERT INTO solana.jobs AS j (queue, kind, payload, priority, run_at,
                                      max_attempts, backoff_base, backoff_cap,
                                      backoff_jitter, dedup_key)
        VALUES (enqueue.queue, enqueue.kind, coalesce(enqueue.payload, '{}'),
                coalesce(enqueue.priority, 0), v_start,
                coalesce(enqueue.max_attempts, q.max_attempts),
                q.backoff_base, q.backoff_cap, q.backoff_jitter, enqueue.dedup_key)
        ON CONFLICT (queue, dedup_key)
           WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running')
        DO NOTHING
        RETURNING j.id INTO v_id;
        IF v_id IS NOT NULL THEN
            RETURN v_id;
        END IF;
        SELECT j.id INTO v_id FROM solana.jobs j
         WHERE j.queue = enqueue.queue AND j.dedup_key = enqueue.dedup_key
           AND j.state IN ('queued', 'running');
        IF v_id IS NOT NULL THEN
            RETURN v_id;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION solana.enqueue(text, text, jsonb, integer, timestamptz, interval, integer, text) IS
    'add a job; returns its id, or the id of the queued or running job with the same dedup_key';

CREATE FUNCTION solana.enqueue_batch(queue text, kind text, payloads jsonb[],
                                     priority integer DEFAULT 0,
                                     run_at timestamptz DEFAULT NULL,
                                     delay interval DEFAULT NULL,
                                     max_attempts integer DEFAULT NULL,
                                     dedup_keys text[] DEFAULT NULL)
RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE AS $$
-- use_column: see solana.enqueue
#variable_conflict use_column
DECLARE
    q solana.queues;
    v_start timestamptz;
    v_ids bigint[];
    n integer := coalesce(cardinality(enqueue_batch.payloads), 0);
BEGIN
    q := solana._queue(enqueue_batch.queue);
    PERFORM solana._check_job_args(enqueue_batch.kind, enqueue_batch.max_attempts);
    v_start := solana._start_time(enqueue_batch.run_at, enqueue_batch.delay);
    IF enqueue_batch.dedup_keys IS NOT NULL
       AND cardinality(enqueue_batch.dedup_keys) <> n THEN
        RAISE EXCEPTION 'dedup_keys has % elements, payloads %',
                        cardinality(enqueue_batch.dedup_keys), n
            USING ERRCODE = '22023',
                  DETAIL = 'dedup_keys, when given, pairs one key (or NULL) with each payload.';
    END IF;
    IF n = 0 THEN
        RETURN;
    END IF;
    -- ids are drawn first so that the result follows the input order
    SELECT array_agg(nextval('solana.jobs_id_seq'::regclass))
      INTO v_ids FROM generate_series(1, n);
    IF enqueue_batch.dedup_keys IS NULL THEN
        INSERT INTO solana.jobs (id, queue, kind, payload, priority, run_at,
                                 max_attempts, backoff_base, backoff_cap,
                                 backoff_jitter)
        SELECT u.id, enqueue_batch.queue, enqueue_batch.kind,
               coalesce(u.p, '{}'), coalesce(enqueue_batch.priority, 0), v_start,
               coalesce(enqueue_batch.max_attempts, q.max_attempts),
               q.backoff_base, q.backoff_cap, q.backoff_jitter
          FROM unnest(v_ids, enqueue_batch.payloads) AS u(id, p);
        RETURN QUERY SELECT unnest(v_ids);
        RETURN;
    END IF;
    INSERT INTO solana.jobs (id, queue, kind, payload, priority, run_at,
                             max_attempts, backoff_base, backoff_cap,
                             backoff_jitter, dedup_key)
    SELECT u.id, enqueue_batch.queue, enqueue_batch.kind,
           coalesce(u.p, '{}'), coalesce(enqueue_batch.priority, 0), v_start,
           coalesce(enqueue_batch.max_attempts, q.max_attempts),
           q.backoff_base, q.backoff_cap, q.backoff_jitter, u.k
      FROM unnest(v_ids, enqueue_batch.payloads, enqueue_batch.dedup_keys)
           WITH ORDINALITY AS u(id, p, k, ord)
     ORDER BY u.ord
    ON CONFLICT (queue, dedup_key)
       WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running')
    DO NOTHING;
    RETURN QUERY
        SELECT coalesce((SELECT j.id FROM solana.jobs j WHERE j.id = u.id),
                        (SELECT j.id FROM solana.jobs j
                          WHERE j.queue = enqueue_batch.queue AND j.dedup_key = u.k
                            AND j.state IN ('queued', 'running')))
          FROM unnest(v_ids, enqueue_batch.dedup_keys) WITH ORDINALITY AS u(id, k, ord)
         ORDER BY u.ord;
END
$$;
COMMENT ON FUNCTION solana.enqueue_batch(text, text, jsonb[], integer, timestamptz, interval, integer, text[]) IS
    'add one job per payload in one statement; returns the ids in input order (existing ids for duplicate dedup keys)';

-- ---------------------------------------------------------------------
-- Workers
-- ---------------------------------------------------------------------

CREATE FUNCTION solana.claim(queue text, kinds text[] DEFAULT NULL,
                             n integer DEFAULT 1,
                             lease interval DEFAULT '30 seconds',
                             worker text DEFAULT NULL)
RETURNS SETOF solana.jobs LANGUAGE plpgsql VOLATILE ROWS 10
-- a custom plan per call costs more than the claim itself: the plans
-- below are written to stay index scans when generic
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_variable
DECLARE
    q solana.queues;
    budget integer := n;
    limited text[];
    got integer;
BEGIN
    IF n IS NULL OR n < 1 THEN
        RAISE EXCEPTION 'invalid claim count: %', coalesce(n::text, 'NULL')
            USING ERRCODE = '22023', DETAIL = 'n is the number of jobs to claim, at least 1.';
    END IF;
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'invalid lease: "%"', coalesce(lease::text, 'NULL')
            USING ERRCODE = '22023', DETAIL = 'A lease is a positive interval.';
    END IF;
    -- The common case is this one statement: expired leases go back to
    -- the queue (or die when out of attempts), claimable from the next
    -- call on, and one scan of jobs_claim_idx leases the ready jobs,
    -- unless the queue is paused or has limits.
    RETURN QUERY
    WITH expired AS (
        SELECT j.id FROM solana.jobs j
         WHERE j.queue = queue AND j.state = 'running'
           AND j.lease_expires_at < pg_catalog.now()
         ORDER BY j.lease_expires_at
         LIMIT 100
           FOR UPDATE SKIP LOCKED),
    reaped AS (
        UPDATE solana.jobs j
           SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'dead'
                            ELSE 'queued' END,
               finished_at = CASE WHEN j.attempts >= j.max_attempts
                                  THEN pg_catalog.now() END,
               run_at = pg_catalog.now(),
               last_error = 'lease expired (worker ' || coalesce(j.lease_owner, 'unnamed')
                            || ', attempt ' || j.attempts || ')',
               lease_expires_at = NULL
          FROM expired WHERE j.id = expired.id
        RETURNING CASE WHEN j.state = 'dead'
                       THEN solana._announce(j.id, j.queue, j.kind, 'dead') END),
    picked AS (
        SELECT j.id FROM solana.jobs j
         WHERE j.queue = queue AND j.state = 'queued'
           AND j.run_at <= pg_catalog.now()
           AND (kinds IS NULL OR j.kind = ANY (kinds))
           AND NOT EXISTS (SELECT 1 FROM solana.queues qq
                            WHERE qq.name = queue
                              AND (qq.paused OR qq.rate_limit IS NOT NULL
                                   OR qq.concurrency <> '{}'))
         ORDER BY j.priority DESC, j.run_at, j.id
         LIMIT n
           FOR UPDATE SKIP LOCKED),
    claimed AS (
        UPDATE solana.jobs j
           SET state = 'running', attempts = j.attempts + 1,
               lease_owner = worker,
               lease_expires_at = pg_catalog.now() + lease,
               started_at = pg_catalog.now()
         WHERE j.id = ANY (ARRAY(SELECT picked.id FROM picked))
        RETURNING j.*)
    SELECT * FROM claimed c ORDER BY c.priority DESC, c.run_at, c.id;
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO q FROM solana.queues qq WHERE qq.name = queue;
    IF NOT FOUND OR q.paused
       OR (q.rate_limit IS NULL AND q.concurrency = '{}') THEN
        RETURN;
    END IF;

    -- Limits: claims of this queue take turns (a transaction-scoped
    -- advisory lock), so that counts read here stay true until commit.
    -- Each statement below sees the claims committed before the lock.
    PERFORM pg_catalog.pg_advisory_xact_lock(1936682082, pg_catalog.hashtext(queue));
    SELECT * INTO q FROM solana.queues qq WHERE qq.name = queue;
    IF q.paused THEN
        RETURN;
    END IF;
    IF q.rate_limit IS NOT NULL THEN
        IF q.rate_window_start IS NULL
           OR q.rate_window_start + q.rate_interval <= pg_catalog.now() THEN
            q.rate_window_start := pg_catalog.now();
            q.rate_window_claims := 0;
        END IF;
        budget := least(budget, q.rate_limit - q.rate_window_claims);
        IF budget <= 0 THEN
            RETURN;
        END IF;
    END IF;
    SELECT array_agg(k) INTO limited FROM jsonb_object_keys(q.concurrency) AS k;

    RETURN QUERY
    WITH running AS (
        SELECT j.kind, count(*) AS cnt FROM solana.jobs j
         WHERE j.queue = queue AND j.state = 'running'
           AND j.kind = ANY (limited)
         GROUP BY j.kind),
    room AS (
        SELECT c.key AS kind,
               greatest(c.value::text::integer - coalesce(r.cnt, 0), 0) AS allowed
          FROM jsonb_each(q.concurrency) AS c
          LEFT JOIN running r ON r.kind = c.key
         WHERE kinds IS NULL OR c.key = ANY (kinds)),
    free AS (
        -- kinds without a limit
        SELECT j.id, j.priority, j.run_at FROM solana.jobs j
         WHERE j.queue = queue AND j.state = 'queued'
           AND j.run_at <= pg_catalog.now()
           AND (kinds IS NULL OR j.kind = ANY (kinds))
           AND (limited IS NULL OR j.kind <> ALL (limited))
         ORDER BY j.priority DESC, j.run_at, j.id
         LIMIT budget
           FOR UPDATE SKIP LOCKED),
    capped AS (
        -- each limited kind, up to its room
        SELECT l.* FROM room CROSS JOIN LATERAL (
            SELECT j.id, j.priority, j.run_at FROM solana.jobs j
             WHERE j.queue = queue AND j.state = 'queued'
               AND j.run_at <= pg_catalog.now() AND j.kind = room.kind
             ORDER BY j.priority DESC, j.run_at, j.id
             LIMIT least(room.allowed, budget)
               FOR UPDATE SKIP LOCKED) l),
    picked AS (
        -- candidates not picked stay locked, unclaimed, until commit
        SELECT c.id FROM (SELECT * FROM free UNION ALL SELECT * FROM capped) c
         ORDER BY c.priority DESC, c.run_at, c.id
         LIMIT budget),
    claimed AS (
        UPDATE solana.jobs j
           SET state = 'running', attempts = j.attempts + 1,
               lease_owner = worker,
               lease_expires_at = pg_catalog.now() + lease,
               started_at = pg_catalog.now()
         WHERE j.id = ANY (ARRAY(SELECT picked.id FROM picked))
        RETURNING j.*)
    SELECT * FROM claimed c ORDER BY c.priority DESC, c.run_at, c.id;
    GET DIAGNOSTICS got = ROW_COUNT;

    IF q.rate_limit IS NOT NULL THEN
        UPDATE solana.queues qq
           SET rate_window_start = q.rate_window_start,
               rate_window_claims = q.rate_window_claims + got
         WHERE qq.name = queue;
    END IF;
END
$$;
COMMENT ON FUNCTION solana.claim(text, text[], integer, interval, text) IS
    'lease up to n ready jobs of a queue (optionally only some kinds), highest priority first, with FOR UPDATE SKIP LOCKED';

-- solana._reap returns the jobs of a queue whose lease expired to the
-- queue, or to dead when they have used all their attempts.
CREATE FUNCTION solana._reap(q text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cnt integer;
BEGIN
    WITH expired AS (
        SELECT j.id FROM solana.jobs j
         WHERE j.queue = q AND j.state = 'running'
           AND j.lease_expires_at < pg_catalog.now()
         ORDER BY j.lease_expires_at
         LIMIT 1000
           FOR UPDATE SKIP LOCKED),
    moved AS (
        UPDATE solana.jobs j
           SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'dead'
                            ELSE 'queued' END,
               finished_at = CASE WHEN j.attempts >= j.max_attempts
                                  THEN pg_catalog.now() END,
               run_at = pg_catalog.now(),
               last_error = 'lease expired (worker ' || coalesce(j.lease_owner, 'unnamed')
                            || ', attempt ' || j.attempts || ')',
               lease_expires_at = NULL
          FROM expired WHERE j.id = expired.id
        RETURNING j.id, j.queue, j.kind, j.state)
    SELECT count(CASE WHEN m.state = 'dead'
                      THEN solana._announce(m.id, m.queue, m.kind, 'dead')
                      ELSE true END)
      INTO cnt FROM moved m;
    RETURN cnt;
END
$$;
REVOKE ALL ON FUNCTION solana._reap(text) FROM PUBLIC;

CREATE FUNCTION solana.complete(id bigint, result jsonb DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    v_queue text;
    v_kind text;
BEGIN
    UPDATE solana.jobs j
       SET state = 'succeeded', result = result,
           finished_at = pg_catalog.now(), lease_expires_at = NULL
     WHERE j.id = id AND j.state = 'running'
    RETURNING j.queue, j.kind INTO v_queue, v_kind;
    IF NOT FOUND THEN
        PERFORM solana._require_job(id);
        RETURN false;
    END IF;
    PERFORM solana._announce(id, v_queue, v_kind, 'succeeded');
    RETURN true;
END
$$;
COMMENT ON FUNCTION solana.complete(bigint, jsonb) IS
    'mark a running job succeeded with its result; false when it is not running (lease lost or cancelled)';

CREATE FUNCTION solana.complete_batch(ids bigint[], results jsonb[] DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cnt integer;
BEGIN
    IF results IS NOT NULL AND cardinality(results) <> cardinality(ids) THEN
        RAISE EXCEPTION 'results has % elements, ids %',
                        cardinality(results), cardinality(ids)
            USING ERRCODE = '22023',
                  DETAIL = 'results, when given, pairs one result with each id.';
    END IF;
    IF results IS NULL THEN
        WITH done AS (
            UPDATE solana.jobs j
               SET state = 'succeeded', result = NULL,
                   finished_at = pg_catalog.now(), lease_expires_at = NULL
             WHERE j.id = ANY (ids) AND j.state = 'running'
            RETURNING j.id, j.queue, j.kind)
        SELECT count(solana._announce(d.id, d.queue, d.kind, 'succeeded'))
          INTO cnt FROM done d;
        RETURN cnt;
    END IF;
    WITH done AS (
        UPDATE solana.jobs j
           SET state = 'succeeded', result = u.r,
               finished_at = pg_catalog.now(), lease_expires_at = NULL
          FROM unnest(ids, results) AS u(id, r)
         WHERE j.id = u.id AND j.state = 'running'
        RETURNING j.id, j.queue, j.kind)
    SELECT count(solana._announce(d.id, d.queue, d.kind, 'succeeded'))
      INTO cnt FROM done d;
    RETURN cnt;
END
$$;
COMMENT ON FUNCTION solana.complete_batch(bigint[], jsonb[]) IS
    'solana.complete for many jobs in one statement; returns how many were running and now succeeded';

CREATE FUNCTION solana._require_job(job_id bigint) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.jobs j WHERE j.id = job_id) THEN
        RAISE EXCEPTION 'job % does not exist', coalesce(job_id::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION solana._require_job(bigint) FROM PUBLIC;

-- solana.backoff is the delay before the next attempt after `attempts`
-- failed ones: base * 2^(attempts-1), at most cap, shortened by a
-- random part of at most `jitter` of itself.
CREATE FUNCTION solana.backoff(attempts integer, base interval, cap interval,
                               jitter double precision DEFAULT 0)
RETURNS interval LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT pg_catalog.make_interval(secs =>
        least(extract(epoch FROM cap)::double precision,
              extract(epoch FROM base)::double precision
                * pg_catalog.power(2::double precision,
                                   least(greatest(attempts - 1, 0), 60)))
        * (1 - least(greatest(jitter, 0), 1) * pg_catalog.random()))
$$;
COMMENT ON FUNCTION solana.backoff(integer, interval, interval, double precision) IS
    'retry delay after the given number of failed attempts: base * 2^(attempts-1), capped, minus up to jitter of itself';

CREATE FUNCTION solana.fail(id bigint, error text, retry_in interval DEFAULT NULL,
                            retry boolean DEFAULT true)
RETURNS text LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    v_queue text;
    v_kind text;
    v_state text;
BEGIN
    IF retry_in < interval '0' THEN
        RAISE EXCEPTION 'invalid retry_in: "%"', retry_in
            USING ERRCODE = '22023', DETAIL = 'A retry delay must not be negative.';
    END IF;
    UPDATE solana.jobs j
       SET state = CASE WHEN NOT retry THEN 'failed'
                        WHEN j.attempts >= j.max_attempts THEN 'dead'
                        ELSE 'queued' END,
           run_at = CASE WHEN retry AND j.attempts < j.max_attempts
                         THEN pg_catalog.now()
                              + coalesce(retry_in,
                                         solana.backoff(j.attempts, j.backoff_base,
                                                        j.backoff_cap, j.backoff_jitter))
                         ELSE j.run_at END,
           finished_at = CASE WHEN NOT retry OR j.attempts >= j.max_attempts
                              THEN pg_catalog.now() END,
           last_error = coalesce(error, 'unknown error'),
           lease_expires_at = NULL
     WHERE j.id = id AND j.state = 'running'
    RETURNING j.queue, j.kind, j.state INTO v_queue, v_kind, v_state;
    IF NOT FOUND THEN
        PERFORM solana._require_job(id);
        RETURN NULL;
    END IF;
    IF v_state <> 'queued' THEN
        PERFORM solana._announce(id, v_queue, v_kind, v_state);
    END IF;
    RETURN v_state;
END
$$;
COMMENT ON FUNCTION solana.fail(bigint, text, interval, boolean) IS
    'record a failed attempt: back to queued after a backoff (or retry_in), dead when out of attempts, failed when retry is false; returns the new state, NULL when the job was not running';

CREATE FUNCTION solana.heartbeat(id bigint, lease interval DEFAULT '30 seconds')
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
BEGIN
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'invalid lease: "%"', coalesce(lease::text, 'NULL')
            USING ERRCODE = '22023', DETAIL = 'A lease is a positive interval.';
    END IF;
    UPDATE solana.jobs j SET lease_expires_at = pg_catalog.now() + lease
     WHERE j.id = id AND j.state = 'running';
    IF NOT FOUND THEN
        PERFORM solana._require_job(id);
        RETURN false;
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION solana.heartbeat(bigint, interval) IS
    'extend the lease of a running job to now() + lease; false when it is no longer running';

CREATE FUNCTION solana.cancel(id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    v_queue text;
    v_kind text;
BEGIN
    UPDATE solana.jobs j
       SET state = 'cancelled', finished_at = pg_catalog.now(),
           lease_expires_at = NULL
     WHERE j.id = id AND j.state IN ('queued', 'running')
    RETURNING j.queue, j.kind INTO v_queue, v_kind;
    IF NOT FOUND THEN
        PERFORM solana._require_job(id);
        RETURN false;
    END IF;
    PERFORM solana._announce(id, v_queue, v_kind, 'cancelled');
    RETURN true;
END
$$;
COMMENT ON FUNCTION solana.cancel(bigint) IS
    'cancel a queued or running job (a running job''s later complete or fail returns false/NULL); false when already finished';

CREATE FUNCTION solana.retry_job(id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    v_queue text;
BEGIN
    UPDATE solana.jobs j
       SET state = 'queued', attempts = 0, run_at = pg_catalog.now(),
           finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL
     WHERE j.id = id AND j.state IN ('dead', 'failed', 'cancelled')
    RETURNING j.queue INTO v_queue;
    IF NOT FOUND THEN
        PERFORM solana._require_job(id);
        RETURN false;
    END IF;
    PERFORM pg_catalog.pg_notify('solana_jobs',
        pg_catalog.json_build_object('op', 'enqueued', 'queue', v_queue)::text);
    PERFORM solana._wake_dispatcher(ARRAY[v_queue]);
    RETURN true;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'cannot retry job %: another job with its dedup_key is queued or running', id
        USING ERRCODE = '23505';
END
$$;
COMMENT ON FUNCTION solana.retry_job(bigint) IS
    'put a dead, failed or cancelled job back in its queue with a fresh set of attempts';

CREATE FUNCTION solana.retry_dead(queue text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    cnt integer;
BEGIN
    UPDATE solana.jobs j
       SET state = 'queued', attempts = 0, run_at = pg_catalog.now(),
           finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL
     WHERE j.queue = queue AND j.state = 'dead'
       AND (j.dedup_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM solana.jobs o
             WHERE o.queue = j.queue AND o.dedup_key = j.dedup_key
               AND o.state IN ('queued', 'running')));
    GET DIAGNOSTICS cnt = ROW_COUNT;
    IF cnt > 0 THEN
        PERFORM pg_catalog.pg_notify('solana_jobs',
            pg_catalog.json_build_object('op', 'enqueued', 'queue', queue)::text);
        PERFORM solana._wake_dispatcher(ARRAY[queue]);
    END IF;
    RETURN cnt;
END
$$;
COMMENT ON FUNCTION solana.retry_dead(text) IS
    'put every dead job of a queue back with fresh attempts (except those whose dedup_key is live again); returns the count';

CREATE FUNCTION solana.pause(queue text) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT solana._queue(queue);
    UPDATE solana.queues SET paused = true WHERE name = queue;
$$;
COMMENT ON FUNCTION solana.pause(text) IS 'stop handing out jobs of a queue (running ones go on)';

CREATE FUNCTION solana.resume(queue text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
BEGIN
    UPDATE solana.queues q SET paused = false WHERE q.name = queue AND q.paused;
    IF FOUND THEN
        PERFORM pg_catalog.pg_notify('solana_jobs',
            pg_catalog.json_build_object('op', 'enqueued', 'queue', queue)::text);
        PERFORM solana._wake_dispatcher(ARRAY[queue]);
    END IF;
END
$$;
COMMENT ON FUNCTION solana.resume(text) IS 'hand out jobs of a paused queue again';

-- ---------------------------------------------------------------------
-- Retention and metrics
-- ---------------------------------------------------------------------

CREATE FUNCTION solana.purge_jobs(queue text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    q solana.queues;
    total bigint := 0;
    cnt bigint;
BEGIN
    FOR q IN SELECT * FROM solana.queues qq
              WHERE queue IS NULL OR qq.name = queue ORDER BY qq.name LOOP
        PERFORM solana._reap(q.name);
        DELETE FROM solana.jobs j
         WHERE j.queue = q.name AND j.state = 'succeeded'
           AND (j.finished_at < pg_catalog.now() - q.keep_succeeded_for
                OR j.id IN (SELECT o.id FROM solana.jobs o
                             WHERE o.queue = q.name AND o.state = 'succeeded'
                             ORDER BY o.finished_at DESC, o.id DESC
                            OFFSET q.keep_succeeded)
                   AND q.keep_succeeded IS NOT NULL);
        GET DIAGNOSTICS cnt = ROW_COUNT;
        total := total + cnt;
        DELETE FROM solana.jobs j
         WHERE j.queue = q.name AND j.state IN ('failed', 'dead', 'cancelled')
           AND (j.finished_at < pg_catalog.now() - q.keep_failed_for
                OR j.id IN (SELECT o.id FROM solana.jobs o
                             WHERE o.queue = q.name
                               AND o.state IN ('failed', 'dead', 'cancelled')
                             ORDER BY o.finished_at DESC, o.id DESC
                            OFFSET q.keep_failed)
                   AND q.keep_failed IS NOT NULL);
        GET DIAGNOSTICS cnt = ROW_COUNT;
        total := total + cnt;
    END LOOP;
    RETURN total;
END
$$;
COMMENT ON FUNCTION solana.purge_jobs(text) IS
    'apply each queue''s retention (keep_succeeded[_for], keep_failed[_for]) and return expired leases; for pg_cron';

CREATE VIEW solana.queue_stats AS
WITH s AS (
    SELECT j.queue,
           count(*) FILTER (WHERE j.state = 'queued' AND j.run_at <= now()) AS ready,
           count(*) FILTER (WHERE j.state = 'queued' AND j.run_at > now()) AS delayed,
           count(*) FILTER (WHERE j.state = 'running') AS running,
           count(*) FILTER (WHERE j.state = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE j.state = 'failed') AS failed,
           count(*) FILTER (WHERE j.state = 'dead') AS dead,
           count(*) FILTER (WHERE j.state = 'cancelled') AS cancelled,
           now() - min(j.run_at) FILTER (WHERE j.state = 'queued' AND j.run_at <= now())
               AS oldest_ready_age,
           count(*) FILTER (WHERE j.state = 'succeeded'
                              AND j.finished_at > now() - interval '1 minute')
               AS succeeded_last_minute,
           count(*) FILTER (WHERE j.state IN ('failed', 'dead')
                              AND j.finished_at > now() - interval '1 minute')
               AS failed_last_minute
      FROM solana.jobs j
     GROUP BY j.queue)
SELECT coalesce(q.name, s.queue) AS queue,
       coalesce(q.paused, false) AS paused,
       coalesce(s.ready, 0) AS ready,
       coalesce(s.delayed, 0) AS delayed,
       coalesce(s.running, 0) AS running,
       coalesce(s.succeeded, 0) AS succeeded,
       coalesce(s.failed, 0) AS failed,
       coalesce(s.dead, 0) AS dead,
       coalesce(s.cancelled, 0) AS cancelled,
       s.oldest_ready_age,
       coalesce(s.succeeded_last_minute, 0) AS succeeded_per_minute,
       coalesce(s.failed_last_minute, 0) AS failed_per_minute
  FROM solana.queues q
  FULL JOIN s ON s.queue = q.name;
COMMENT ON VIEW solana.queue_stats IS
    'per queue: jobs per state (ready and delayed split queued), age of the oldest ready job, jobs finished in the last minute';

CREATE VIEW solana.dead_jobs AS
    SELECT j.id, j.queue, j.kind, j.payload, j.attempts, j.last_error,
           j.created_at, j.finished_at
      FROM solana.jobs j WHERE j.state = 'dead';
COMMENT ON VIEW solana.dead_jobs IS
    'the dead-letter list: jobs that used all their attempts (solana.retry_job / retry_dead bring them back)';
-- pg_solana install script, part 35: the dispatcher's wake-up and the
-- solana.rpc API gateway.
--
-- The dispatcher background workers (solana.dispatcher_workers) claim
-- jobs of the built-in kinds http, rpc and account_refresh from
-- solana.jobs and run them; see docs/queue.md.  solana.rpc is the
-- synchronous gateway: cache, shared rate limit and retries, see
-- docs/gateway.md.

-- Replaces part 30's no-op hook: the enqueue trigger calls it, and the
-- dispatchers' latches are set when the transaction commits.
CREATE OR REPLACE FUNCTION solana._wake_dispatcher(queues text[]) RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'solana_wake_dispatcher';
COMMENT ON FUNCTION solana._wake_dispatcher(text[]) IS
    'internal: wake the dispatcher workers when the current transaction commits (called by the enqueue trigger)';
REVOKE ALL ON FUNCTION solana._wake_dispatcher(text[]) FROM PUBLIC;

CREATE FUNCTION solana.rpc(method text, params jsonb DEFAULT '[]',
                           use_cache boolean DEFAULT true)
RETURNS jsonb
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'solana_rpc';
COMMENT ON FUNCTION solana.rpc(text, jsonb, boolean) IS
    'call a Solana JSON-RPC method on solana.rpc_url and return its result; cached per method TTL (use_cache => false to bypass), rate-limited per endpoint, retried on 429, 5xx and timeouts';

CREATE FUNCTION solana.rpc_cache_stats(
    OUT hits bigint, OUT misses bigint, OUT expired bigint,
    OUT inserts bigint, OUT evictions bigint, OUT entries bigint,
    OUT bytes_used bigint, OUT bytes_total bigint)
RETURNS record
LANGUAGE C VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'solana_rpc_cache_stats';
COMMENT ON FUNCTION solana.rpc_cache_stats() IS
    'counters of the solana.rpc response cache (shared memory when preloaded, else this session''s)';

CREATE FUNCTION solana.rpc_cache_reset() RETURNS void
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'solana_rpc_cache_reset';
COMMENT ON FUNCTION solana.rpc_cache_reset() IS
    'drop every cached solana.rpc response (counters are kept)';
REVOKE ALL ON FUNCTION solana.rpc_cache_reset() FROM PUBLIC;

-- The dispatcher finds queues with due jobs of built-in kinds here, so
-- that application queues of other kinds cost it nothing.  Kinds of
-- later issues (webhook, transaction) are listed already.
CREATE INDEX jobs_dispatch_idx ON solana.jobs (queue, run_at)
    WHERE state = 'queued'
      AND kind IN ('http', 'rpc', 'account_refresh', 'webhook', 'transaction');
-- pg_solana install script, part 40: webhook delivery (issue 7).
--
-- A *webhook* is an HTTP endpoint with a Standard Webhooks secret and a
-- filter; a *delivery* is one message (a stable message id and a JSON
-- payload) to one webhook.  Deliveries are a transactional outbox:
-- triggers on the source tables (45_webhook_sources.sql) insert them in
-- the transaction that writes the source row, and the dispatcher sends
-- what has committed.  States: pending (due, never tried), in_flight
-- (claimed by the dispatcher, under a lease), failed (the last attempt
-- failed; retried at next_attempt_at), delivered, dead (gave up, or the
-- endpoint answered 410 Gone).  See docs/webhooks.md.

-- ---------------------------------------------------------------------
-- C helpers
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.generate_webhook_secret() RETURNS text
    AS 'MODULE_PATHNAME', 'solana_generate_webhook_secret'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.generate_webhook_secret() IS
    'a fresh Standard Webhooks secret: "whsec_" + base64 of 32 random bytes (libsodium)';

CREATE FUNCTION solana.webhook_sign(secret text, message_id text, ts bigint, payload text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'solana_webhook_sign'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.webhook_sign(text, text, bigint, text) IS
    'the webhook-signature header value "v1,<base64 HMAC-SHA256(key, id.ts.payload)>" that the dispatcher sends for this message';

CREATE FUNCTION solana.webhook_verify(secret text, message_id text, ts text, signatures text,
                                      payload text, tolerance int DEFAULT 300,
                                      now bigint DEFAULT extract(epoch FROM pg_catalog.now())::bigint)
    RETURNS text
    AS 'MODULE_PATHNAME', 'solana_webhook_verify'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION solana.webhook_verify(text, text, text, text, text, int, bigint) IS
    'verify a received Standard Webhooks message (header values and body); NULL when it verifies, else the reason as the standardwebhooks libraries word it';

CREATE FUNCTION solana.webhook_address_class(addr inet) RETURNS text
    AS 'MODULE_PATHNAME', 'solana_webhook_address_class'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.webhook_address_class(inet) IS
    'what the SSRF guard makes of an address: public, loopback, private, link-local, cgnat, metadata, unspecified, multicast or reserved; only public ones are reachable unless solana.webhook_allow_private is on';

CREATE FUNCTION solana.webhook_retry_delay(failures int, schedule interval[] DEFAULT NULL)
    RETURNS interval
    AS 'MODULE_PATHNAME', 'solana_webhook_retry_delay'
    LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION solana.webhook_retry_delay(int, interval[]) IS
    'wait after the n-th failed attempt: the schedule entry (default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, the last repeating) with +-10% jitter, capped at 24 h';

CREATE FUNCTION solana._webhook_check(url text, headers jsonb, secret text) RETURNS void
    AS 'MODULE_PATHNAME', 'solana__webhook_check'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION solana._webhook_check(text, jsonb, text) IS
    'raise 22023 unless url, custom headers and secret of a webhook are usable';
REVOKE ALL ON FUNCTION solana._webhook_check(text, jsonb, text) FROM PUBLIC;

CREATE FUNCTION solana._webhook_breaker(consecutive_failures int) RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    -- mirrors ps_webhook_breaker_ms: open after 5 failures in a row,
    -- 30 s doubling to 10 min
    SELECT CASE WHEN consecutive_failures < 5 THEN NULL
                ELSE least(interval '30 seconds' * power(2, least(consecutive_failures - 5, 10)),
                           interval '10 minutes') END
$$;
COMMENT ON FUNCTION solana._webhook_breaker(int) IS
    'circuit breaker cool-down after n consecutive failures (NULL: closed)';
REVOKE ALL ON FUNCTION solana._webhook_breaker(int) FROM PUBLIC;

-- ---------------------------------------------------------------------
-- endpoints
-- ---------------------------------------------------------------------
CREATE TABLE solana.webhooks (
    id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name                text NOT NULL UNIQUE,
    url                 text NOT NULL,
    secret              text NOT NULL DEFAULT solana.generate_webhook_secret(),
    previous_secret     text,
    previous_secret_expires_at timestamptz,
    event_types         text[] NOT NULL DEFAULT '{event}'
                        CHECK (event_types <@ '{event,price,job,transaction,message}'
                               AND cardinality(event_types) > 0),
    program_ids         solana.pubkey[],
    event_names         text[],
    payload_filter      jsonb,
    enabled             bool NOT NULL DEFAULT true,
    disabled_reason     text,
    max_attempts        int NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 100),
    timeout             interval NOT NULL DEFAULT '10 seconds'
                        CHECK (timeout >= '100 milliseconds' AND timeout <= '5 minutes'),
    max_in_flight       int NOT NULL DEFAULT 16 CHECK (max_in_flight BETWEEN 1 AND 1024),
    rate_limit          int CHECK (rate_limit >= 1),
    rate_window_start   timestamptz,
    rate_window_used    int NOT NULL DEFAULT 0,
    retry_schedule      interval[]
                        CHECK (cardinality(retry_schedule) > 0),
    headers             jsonb NOT NULL DEFAULT '{}',
    created_by          regrole NOT NULL DEFAULT current_user::regrole,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    consecutive_failures int NOT NULL DEFAULT 0,
    circuit_open_until  timestamptz
);
COMMENT ON TABLE solana.webhooks IS
    'webhook endpoints; rows (and so secrets) are visible only to the role that created them and to superusers (row-level security)';
COMMENT ON COLUMN solana.webhooks.secret IS 'Standard Webhooks secret "whsec_<base64>"; generated with libsodium unless given';
COMMENT ON COLUMN solana.webhooks.previous_secret IS 'the secret before the last rotation; deliveries carry a signature with it too until previous_secret_expires_at';
COMMENT ON COLUMN solana.webhooks.event_types IS 'which messages match: event (solana.events), price, job (finished jobs), transaction, message (solana.send_webhook)';
COMMENT ON COLUMN solana.webhooks.program_ids IS 'events only from these programs (NULL: any)';
COMMENT ON COLUMN solana.webhooks.event_names IS 'events only with these names (NULL: any)';
COMMENT ON COLUMN solana.webhooks.payload_filter IS 'jsonb containment: a message matches when payload @> payload_filter (NULL: any)';
COMMENT ON COLUMN solana.webhooks.disabled_reason IS 'why the dispatcher disabled the endpoint (410 Gone)';
COMMENT ON COLUMN solana.webhooks.max_attempts IS 'attempts before a delivery is dead';
COMMENT ON COLUMN solana.webhooks.timeout IS 'whole-request timeout of one attempt';
COMMENT ON COLUMN solana.webhooks.max_in_flight IS 'concurrent requests to this endpoint at most';
COMMENT ON COLUMN solana.webhooks.rate_limit IS 'attempts per second at most (NULL: unlimited), counted in one-second windows';
COMMENT ON COLUMN solana.webhooks.rate_window_start IS 'rate limit: start of the current one-second window';
COMMENT ON COLUMN solana.webhooks.rate_window_used IS 'rate limit: attempts started in the current window';
COMMENT ON COLUMN solana.webhooks.retry_schedule IS 'wait after the 1st, 2nd, ... failure, the last repeating (NULL: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h); +-10% jitter';
COMMENT ON COLUMN solana.webhooks.headers IS 'custom request headers, a JSON object of strings';
COMMENT ON COLUMN solana.webhooks.created_by IS 'the owning role: only it (and superusers) sees the row';
COMMENT ON COLUMN solana.webhooks.consecutive_failures IS 'failed attempts in a row; 5 open the circuit breaker';
COMMENT ON COLUMN solana.webhooks.circuit_open_until IS 'circuit breaker: no attempts before this time, then one probe (half-open); NULL when closed';

ALTER TABLE solana.webhooks ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhooks_owner ON solana.webhooks
    USING (created_by = current_user::regrole)
    WITH CHECK (created_by = current_user::regrole);

CREATE FUNCTION solana._webhooks_validate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    PERFORM solana._webhook_check(NEW.url, NEW.headers, NEW.secret);
    IF NEW.previous_secret IS NOT NULL THEN
        PERFORM solana._webhook_check(NEW.url, NULL, NEW.previous_secret);
    END IF;
    IF NEW.retry_schedule IS NOT NULL AND
       EXISTS (SELECT 1 FROM unnest(NEW.retry_schedule) s WHERE s IS NULL OR s < '0') THEN
        RAISE EXCEPTION 'invalid retry schedule %', NEW.retry_schedule
            USING ERRCODE = '22023', DETAIL = 'Entries are non-negative intervals.';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
        IF NEW.enabled AND NOT OLD.enabled THEN
            NEW.disabled_reason := NULL;
            NEW.consecutive_failures := 0;
            NEW.circuit_open_until := NULL;
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION solana._webhooks_validate() IS
    'trigger: check url, headers, secrets and retry schedule of a webhook; re-enabling resets the breaker';
REVOKE ALL ON FUNCTION solana._webhooks_validate() FROM PUBLIC;
CREATE TRIGGER webhooks_validate
    BEFORE INSERT OR UPDATE OF url, headers, secret, previous_secret, retry_schedule, enabled
    ON solana.webhooks
    FOR EACH ROW EXECUTE FUNCTION solana._webhooks_validate();

-- ---------------------------------------------------------------------
-- deliveries
-- ---------------------------------------------------------------------
CREATE TABLE solana.webhook_deliveries (
    id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    webhook_id          bigint NOT NULL REFERENCES solana.webhooks (id) ON DELETE CASCADE,
    message_id          text NOT NULL CHECK (message_id ~ '^[!-~]+$' AND length(message_id) <= 256),
    event_type          text NOT NULL,
    payload             jsonb NOT NULL,
    state               text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'in_flight', 'failed', 'delivered', 'dead')),
    attempts            int NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    lease_expires_at    timestamptz,
    last_attempt_at     timestamptz,
    last_status         int,
    last_error          text,
    latency_ms          double precision,
    replay_of           bigint,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    delivered_at        timestamptz
);
CREATE UNIQUE INDEX webhook_deliveries_message_idx ON solana.webhook_deliveries (webhook_id, message_id)
    WHERE replay_of IS NULL;
CREATE INDEX webhook_deliveries_due_idx ON solana.webhook_deliveries (webhook_id, next_attempt_at, id)
    WHERE state IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_in_flight_idx ON solana.webhook_deliveries (lease_expires_at)
    WHERE state = 'in_flight';
-- every claim and outcome is a non-HOT update (state is in index
-- predicates), so indexes are few; replay's time range uses a BRIN
CREATE INDEX webhook_deliveries_created_idx ON solana.webhook_deliveries USING brin (created_at);
COMMENT ON TABLE solana.webhook_deliveries IS
    'the webhook outbox: one row per message per webhook, written in the transaction of its source row and sent by the dispatcher after commit';
COMMENT ON COLUMN solana.webhook_deliveries.message_id IS 'the webhook-id header: stable for a source row (evt_<signature>_<log_index>, job_<id>_<state>, msg_<random>), the same on every attempt and replay';
COMMENT ON COLUMN solana.webhook_deliveries.event_type IS 'event, price, job, transaction or message';
COMMENT ON COLUMN solana.webhook_deliveries.payload IS 'the JSON body, sent as its jsonb text';
COMMENT ON COLUMN solana.webhook_deliveries.state IS 'pending, in_flight (claimed, under lease), failed (retry at next_attempt_at), delivered or dead';
COMMENT ON COLUMN solana.webhook_deliveries.lease_expires_at IS 'an in_flight row whose lease expired (the dispatcher died) is claimed again';
COMMENT ON COLUMN solana.webhook_deliveries.last_status IS 'HTTP status of the last attempt (NULL: no response)';
COMMENT ON COLUMN solana.webhook_deliveries.last_error IS 'why the last attempt failed, or why the delivery is dead';
COMMENT ON COLUMN solana.webhook_deliveries.latency_ms IS 'duration of the last attempt';
COMMENT ON COLUMN solana.webhook_deliveries.replay_of IS 'the delivery this one replays (solana.replay_deliveries)';

ALTER TABLE solana.webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_deliveries_owner ON solana.webhook_deliveries
    USING (EXISTS (SELECT 1 FROM solana.webhooks w WHERE w.id = webhook_id));

SELECT pg_catalog.pg_extension_config_dump('solana.webhooks', '');
SELECT pg_catalog.pg_extension_config_dump('solana.webhook_deliveries', '');

-- wake the dispatcher at commit when deliveries become due
CREATE FUNCTION solana._webhook_deliveries_wake() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    PERFORM solana._wake_dispatcher(ARRAY['webhooks']);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_deliveries_wake() IS
    'trigger: wake the dispatchers when the inserting transaction commits';
REVOKE ALL ON FUNCTION solana._webhook_deliveries_wake() FROM PUBLIC;
CREATE TRIGGER webhook_deliveries_wake AFTER INSERT ON solana.webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_deliveries_wake();

-- ---------------------------------------------------------------------
-- ownership checks for functions taking a webhook id
-- ---------------------------------------------------------------------
CREATE FUNCTION solana._webhook_exists(webhook bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$ SELECT EXISTS (SELECT 1 FROM solana.webhooks WHERE id = webhook) $$;
COMMENT ON FUNCTION solana._webhook_exists(bigint) IS
    'whether a webhook id exists, whoever asks; executable by PUBLIC so that solana._webhook_require can tell 42704 from 42501';
REVOKE ALL ON FUNCTION solana._webhook_exists(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION solana._webhook_exists(bigint) TO PUBLIC;

-- Runs as the caller: row-level security decides what it sees.
CREATE FUNCTION solana._webhook_require(webhook bigint) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM solana.webhooks w WHERE w.id = webhook) THEN
        RETURN;
    END IF;
    IF solana._webhook_exists(webhook) THEN
        RAISE EXCEPTION 'permission denied for webhook %', webhook
            USING ERRCODE = '42501',
                  HINT = 'Only the role that created a webhook and superusers can use it.';
    END IF;
    RAISE EXCEPTION 'webhook % does not exist', webhook USING ERRCODE = '42704';
END
$$;
COMMENT ON FUNCTION solana._webhook_require(bigint) IS
    'raise 42704 for a missing webhook, 42501 unless the caller created it or is a superuser; executable by PUBLIC because the API functions run as their caller';
REVOKE ALL ON FUNCTION solana._webhook_require(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION solana._webhook_require(bigint) TO PUBLIC;

-- ---------------------------------------------------------------------
-- API
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.add_webhook(
    name text,
    url text,
    event_types text[] DEFAULT '{event}',
    program_ids solana.pubkey[] DEFAULT NULL,
    event_names text[] DEFAULT NULL,
    payload_filter jsonb DEFAULT NULL,
    secret text DEFAULT NULL,
    max_attempts int DEFAULT 8,
    timeout interval DEFAULT '10 seconds',
    max_in_flight int DEFAULT 16,
    rate_limit int DEFAULT NULL,
    headers jsonb DEFAULT '{}',
    retry_schedule interval[] DEFAULT NULL)
    RETURNS solana.webhooks
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    w solana.webhooks;
BEGIN
    INSERT INTO solana.webhooks AS t (name, url, secret, event_types, program_ids, event_names,
                                      payload_filter, max_attempts, timeout, max_in_flight,
                                      rate_limit, headers, retry_schedule)
    VALUES (add_webhook.name, add_webhook.url,
            coalesce(add_webhook.secret, solana.generate_webhook_secret()),
            add_webhook.event_types, add_webhook.program_ids, add_webhook.event_names,
            add_webhook.payload_filter, add_webhook.max_attempts, add_webhook.timeout,
            add_webhook.max_in_flight, add_webhook.rate_limit,
            coalesce(add_webhook.headers, '{}'), add_webhook.retry_schedule)
    RETURNING * INTO w;
    RETURN w;
END
$$;
COMMENT ON FUNCTION solana.add_webhook(text, text, text[], solana.pubkey[], text[], jsonb, text, int,
                                       interval, int, int, jsonb, interval[]) IS
    'add a webhook endpoint; returns its row, secret included (generated unless given); the caller becomes its owner';

CREATE FUNCTION solana.webhook_secret(webhook bigint) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    s text;
BEGIN
    PERFORM solana._webhook_require(webhook);
    SELECT w.secret INTO s FROM solana.webhooks w WHERE w.id = webhook;
    RETURN s;
END
$$;
COMMENT ON FUNCTION solana.webhook_secret(bigint) IS
    'the current secret of a webhook; 42501 unless the caller created it or is a superuser';

CREATE FUNCTION solana.rotate_webhook_secret(webhook bigint, grace interval DEFAULT '24 hours',
                                             new_secret text DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    s text := coalesce(new_secret, solana.generate_webhook_secret());
BEGIN
    PERFORM solana._webhook_require(webhook);
    IF grace IS NULL OR grace < '0' THEN
        RAISE EXCEPTION 'invalid grace period %', grace USING ERRCODE = '22023';
    END IF;
    UPDATE solana.webhooks w
       SET previous_secret = CASE WHEN grace > '0' THEN w.secret END,
           previous_secret_expires_at = CASE WHEN grace > '0' THEN now() + grace END,
           secret = s
     WHERE w.id = webhook;
    RETURN s;
END
$$;
COMMENT ON FUNCTION solana.rotate_webhook_secret(bigint, interval, text) IS
    'replace a webhook''s secret (generated unless given) and return it; for the grace period every request carries signatures under both secrets';

CREATE FUNCTION solana.send_webhook(webhook bigint, payload jsonb, message_id text DEFAULT NULL,
                                    event_type text DEFAULT 'message')
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    id bigint;
BEGIN
    PERFORM solana._webhook_require(webhook);
    IF payload IS NULL THEN
        RAISE EXCEPTION 'webhook payload must not be null' USING ERRCODE = '22004';
    END IF;
    IF message_id IS NOT NULL AND (message_id !~ '^[!-~]+$' OR length(message_id) > 256) THEN
        RAISE EXCEPTION 'invalid webhook message id "%"', message_id
            USING ERRCODE = '22023',
                  DETAIL = 'A message id is 1 to 256 visible ASCII characters.';
    END IF;
    INSERT INTO solana.webhook_deliveries AS d (webhook_id, message_id, event_type, payload)
    VALUES (webhook,
            coalesce(send_webhook.message_id,
                     'msg_' || replace(gen_random_uuid()::text, '-', '')),
            coalesce(send_webhook.event_type, 'message'), send_webhook.payload)
    RETURNING d.id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION solana.send_webhook(bigint, jsonb, text, text) IS
    'queue an application-defined message to a webhook in the current transaction; returns the delivery id (message id msg_<random> unless given)';

CREATE FUNCTION solana.replay_deliveries(webhook bigint, since timestamptz,
                                         until timestamptz DEFAULT now())
    RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    n int;
BEGIN
    PERFORM solana._webhook_require(webhook);
    INSERT INTO solana.webhook_deliveries (webhook_id, message_id, event_type, payload, replay_of)
    SELECT d.webhook_id, d.message_id, d.event_type, d.payload, d.id
      FROM solana.webhook_deliveries d
     WHERE d.webhook_id = webhook AND d.created_at >= since AND d.created_at < until
       AND d.state IN ('delivered', 'dead')
     ORDER BY d.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION solana.replay_deliveries(bigint, timestamptz, timestamptz) IS
    'send again, as new deliveries with the same message ids, the finished (delivered or dead) deliveries of a webhook created in [since, until); returns how many';

CREATE FUNCTION solana.retry_dead_deliveries(webhook bigint) RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    n int;
BEGIN
    PERFORM solana._webhook_require(webhook);
    UPDATE solana.webhook_deliveries d
       SET state = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
     WHERE d.webhook_id = webhook AND d.state = 'dead';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM solana._webhook_wake();
    END IF;
    RETURN n;
END
$$;
COMMENT ON FUNCTION solana.retry_dead_deliveries(bigint) IS
    'make the dead deliveries of a webhook pending again with fresh attempts (re-enable the webhook first if it was disabled); returns how many';

CREATE FUNCTION solana._webhook_wake() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$ BEGIN PERFORM solana._wake_dispatcher(ARRAY['webhooks']); END $$;
COMMENT ON FUNCTION solana._webhook_wake() IS
    'wake the dispatchers at commit; executable by PUBLIC because solana.retry_dead_deliveries runs as its caller';
REVOKE ALL ON FUNCTION solana._webhook_wake() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION solana._webhook_wake() TO PUBLIC;

CREATE VIEW solana.webhook_stats WITH (security_invoker = true) AS
SELECT w.id AS webhook_id,
       w.name,
       w.url,
       w.enabled,
       w.disabled_reason,
       count(d.id) FILTER (WHERE d.state = 'pending') AS pending,
       count(d.id) FILTER (WHERE d.state = 'in_flight') AS in_flight,
       count(d.id) FILTER (WHERE d.state = 'failed') AS retrying,
       count(d.id) FILTER (WHERE d.state = 'delivered') AS delivered,
       count(d.id) FILTER (WHERE d.state = 'dead') AS dead,
       count(d.id) FILTER (WHERE d.state = 'delivered'
                           AND d.delivered_at > now() - interval '1 hour') AS delivered_last_hour,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d.latency_ms)
           FILTER (WHERE d.state = 'delivered' AND d.delivered_at > now() - interval '1 hour')
           AS p50_request_ms,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY d.latency_ms)
           FILTER (WHERE d.state = 'delivered' AND d.delivered_at > now() - interval '1 hour')
           AS p99_request_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.created_at) * 1000)
           FILTER (WHERE d.state = 'delivered' AND d.delivered_at > now() - interval '1 hour')
           AS p50_commit_to_delivery_ms,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.created_at) * 1000)
           FILTER (WHERE d.state = 'delivered' AND d.delivered_at > now() - interval '1 hour')
           AS p99_commit_to_delivery_ms,
       max(d.delivered_at) AS last_delivered_at,
       w.consecutive_failures,
       CASE WHEN w.circuit_open_until IS NULL THEN 'closed'
            WHEN w.circuit_open_until > now() THEN 'open'
            ELSE 'half-open' END AS circuit
  FROM solana.webhooks w
  LEFT JOIN solana.webhook_deliveries d ON d.webhook_id = w.id
 GROUP BY w.id;
COMMENT ON VIEW solana.webhook_stats IS
    'per webhook: deliveries by state, last-hour request and commit-to-delivery latency percentiles (ms), circuit breaker state';

-- ---------------------------------------------------------------------
-- the dispatcher's side: claim due deliveries, record outcomes
-- ---------------------------------------------------------------------
-- Claims up to `max_cnt` due deliveries (pending or failed whose time
-- has come, or in_flight whose lease expired), honouring each
-- endpoint's rate limit and circuit breaker (one probe when half-open),
-- and up to twice its in-flight limit: the dispatcher sends at most
-- max_in_flight at once and keeps the rest queued, so that a finished
-- request is followed by the next without a database round trip (the
-- lease, twice the timeout plus 5 s, covers the wait).  Rows are locked
-- with SKIP LOCKED, so several dispatchers never claim the same
-- delivery.
CREATE FUNCTION solana._webhook_claim(max_cnt int)
    RETURNS TABLE (id bigint, webhook_id bigint, url text, secret text, previous_secret text,
                   message_id text, body text, timeout_ms int, headers jsonb, attempts int,
                   max_in_flight int)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    -- leases that expired (the dispatcher died or was restarted) make
    -- their deliveries due again; the attempt stays counted
    UPDATE solana.webhook_deliveries d
       SET state = 'failed', lease_expires_at = NULL, updated_at = now(),
           last_error = 'no outcome recorded before the lease expired (dispatcher restarted?)'
     WHERE d.state = 'in_flight' AND d.lease_expires_at <= now();

    RETURN QUERY
    WITH room AS (
        SELECT w.id,
               least(2 * w.max_in_flight - (SELECT count(*) FROM solana.webhook_deliveries f
                                             WHERE f.state = 'in_flight' AND f.webhook_id = w.id),
                     CASE WHEN w.circuit_open_until IS NOT NULL THEN 1 ELSE max_cnt END,
                     CASE WHEN w.rate_limit IS NULL THEN max_cnt
                          WHEN w.rate_window_start > now() - interval '1 second'
                          THEN w.rate_limit - w.rate_window_used
                          ELSE w.rate_limit END) AS n
          FROM solana.webhooks w
         WHERE w.enabled
           AND (w.circuit_open_until IS NULL OR w.circuit_open_until <= now())
    ), picked AS (
        SELECT c.id
          FROM room, LATERAL (
                SELECT d.id
                  FROM solana.webhook_deliveries d
                 WHERE d.webhook_id = room.id
                   AND d.state IN ('pending', 'failed')
                   AND d.next_attempt_at <= now()
                 ORDER BY d.next_attempt_at, d.id
                 LIMIT greatest(room.n, 0)
                   FOR UPDATE SKIP LOCKED) c
         LIMIT max_cnt
    ), claimed AS (
        UPDATE solana.webhook_deliveries d
           SET state = 'in_flight', attempts = d.attempts + 1, last_attempt_at = now(),
               updated_at = now(),
               lease_expires_at = now() + 2 * (SELECT w.timeout FROM solana.webhooks w WHERE w.id = d.webhook_id)
                                        + interval '5 seconds'
          FROM picked
         WHERE d.id = picked.id
        RETURNING d.id, d.webhook_id, d.message_id, d.payload, d.attempts
    ), windows AS (
        -- rate-limited endpoints: count the attempts of this window
        UPDATE solana.webhooks w
           SET rate_window_used = CASE WHEN w.rate_window_start > now() - interval '1 second'
                                       THEN w.rate_window_used ELSE 0 END + k.cnt,
               rate_window_start = CASE WHEN w.rate_window_start > now() - interval '1 second'
                                        THEN w.rate_window_start ELSE now() END
          FROM (SELECT c.webhook_id, count(*)::int AS cnt FROM claimed c GROUP BY 1) k
         WHERE w.id = k.webhook_id AND w.rate_limit IS NOT NULL
    )
    SELECT c.id, c.webhook_id, w.url, w.secret,
           CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END,
           c.message_id, c.payload::text,
           (extract(epoch FROM w.timeout) * 1000)::int, w.headers, c.attempts, w.max_in_flight
      FROM claimed c JOIN solana.webhooks w ON w.id = c.webhook_id
     ORDER BY c.id;
END
$$;
COMMENT ON FUNCTION solana._webhook_claim(int) IS
    'dispatcher: claim due webhook deliveries (SKIP LOCKED) within per-endpoint in-flight and rate limits and the circuit breaker; expired leases become due again';
REVOKE ALL ON FUNCTION solana._webhook_claim(int) FROM PUBLIC;

-- when the dispatcher should look again: the earliest future attempt
-- (one index probe per enabled webhook) or lease expiry
CREATE FUNCTION solana._webhook_next_due() RETURNS timestamptz
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    RETURN least(
        (SELECT min(greatest(s.t, w.circuit_open_until))
           FROM solana.webhooks w,
                LATERAL (SELECT d.next_attempt_at AS t FROM solana.webhook_deliveries d
                          WHERE d.webhook_id = w.id AND d.state IN ('pending', 'failed')
                          ORDER BY d.next_attempt_at LIMIT 1) s
          WHERE w.enabled),
        (SELECT min(d.lease_expires_at) FROM solana.webhook_deliveries d WHERE d.state = 'in_flight'));
END
$$;
COMMENT ON FUNCTION solana._webhook_next_due() IS
    'dispatcher: the earliest time a webhook delivery becomes claimable';
REVOKE ALL ON FUNCTION solana._webhook_next_due() FROM PUBLIC;

-- Records the outcomes of attempts.  status: HTTP status, or NULL when
-- no response came (error says why); retry_after_s: the parsed
-- Retry-After header, honoured on 429, 502, 503 and 504.
CREATE FUNCTION solana._webhook_record(ids bigint[], statuses int[], errors text[],
                                       latencies_ms float8[], retry_after_s int[])
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    r record;
    d record;
    delay interval;
    err text;
    n_ok bigint;
BEGIN
    -- successes, the common case, set-based
    WITH ok AS (
        UPDATE solana.webhook_deliveries x
           SET state = 'delivered', last_status = u.status, last_error = NULL,
               latency_ms = u.latency, delivered_at = now(), updated_at = now(),
               lease_expires_at = NULL
          FROM unnest(ids, statuses, latencies_ms) AS u(id, status, latency)
         WHERE x.id = u.id AND x.state = 'in_flight' AND u.status BETWEEN 200 AND 299
        RETURNING x.id, x.webhook_id, x.message_id, u.status
    ), reset AS (
        UPDATE solana.webhooks w
           SET consecutive_failures = 0, circuit_open_until = NULL
         WHERE w.id IN (SELECT ok.webhook_id FROM ok)
           AND (w.consecutive_failures <> 0 OR w.circuit_open_until IS NOT NULL)
    )
    SELECT count(*) INTO STRICT n_ok
      FROM (SELECT pg_notify('solana_webhooks',
                       json_build_object('op', 'delivered', 'webhook', ok.webhook_id, 'delivery', ok.id,
                                         'message_id', ok.message_id, 'status', ok.status)::text)
              FROM ok) s;

    FOR r IN SELECT * FROM unnest(ids, statuses, errors, latencies_ms, retry_after_s)
                        AS u(id, status, error, latency, retry_after)
                  WHERE u.status IS NULL OR u.status NOT BETWEEN 200 AND 299
    LOOP
        SELECT x.id, x.webhook_id, x.message_id, x.attempts, w.max_attempts, w.retry_schedule
          INTO d
          FROM solana.webhook_deliveries x JOIN solana.webhooks w ON w.id = x.webhook_id
         WHERE x.id = r.id AND x.state = 'in_flight'
           FOR UPDATE OF x;
        IF NOT FOUND THEN
            CONTINUE;			-- deleted meanwhile
        END IF;
        IF r.status = 410 THEN
            err := '410 Gone: the endpoint was disabled';
            UPDATE solana.webhook_deliveries
               SET state = 'dead', last_status = 410, last_error = err, latency_ms = r.latency,
                   updated_at = now(), lease_expires_at = NULL
             WHERE webhook_deliveries.id = d.id;
            UPDATE solana.webhooks
               SET enabled = false, disabled_reason = format('410 Gone at %s', now())
             WHERE webhooks.id = d.webhook_id;
            -- nothing else will be sent: the rest of its queue is dead too
            UPDATE solana.webhook_deliveries
               SET state = 'dead', last_error = 'endpoint disabled after 410 Gone',
                   updated_at = now(), lease_expires_at = NULL
             WHERE webhook_id = d.webhook_id AND state IN ('pending', 'failed');
            PERFORM pg_notify('solana_webhooks',
                json_build_object('op', 'dead', 'webhook', d.webhook_id, 'delivery', d.id,
                                  'message_id', d.message_id, 'status', 410,
                                  'error', err)::text);
        ELSE
            err := coalesce(r.error, 'HTTP ' || r.status);
            IF d.attempts >= d.max_attempts THEN
                UPDATE solana.webhook_deliveries
                   SET state = 'dead', last_status = r.status,
                       last_error = format('%s (gave up after %s attempts)', err, d.attempts),
                       latency_ms = r.latency, updated_at = now(), lease_expires_at = NULL
                 WHERE webhook_deliveries.id = d.id;
                PERFORM pg_notify('solana_webhooks',
                    json_build_object('op', 'dead', 'webhook', d.webhook_id, 'delivery', d.id,
                                      'message_id', d.message_id, 'status', r.status,
                                      'error', err)::text);
            ELSE
                IF r.status IN (429, 502, 503, 504) AND r.retry_after IS NOT NULL THEN
                    delay := make_interval(secs => r.retry_after);
                ELSE
                    delay := solana.webhook_retry_delay(d.attempts, d.retry_schedule);
                END IF;
                UPDATE solana.webhook_deliveries
                   SET state = 'failed', last_status = r.status, last_error = err,
                       latency_ms = r.latency, next_attempt_at = now() + delay,
                       updated_at = now(), lease_expires_at = NULL
                 WHERE webhook_deliveries.id = d.id;
            END IF;
            UPDATE solana.webhooks w
               SET consecutive_failures = w.consecutive_failures + 1,
                   circuit_open_until = now() + solana._webhook_breaker(w.consecutive_failures + 1)
             WHERE w.id = d.webhook_id;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION solana._webhook_record(bigint[], int[], text[], float8[], int[]) IS
    'dispatcher: record attempt outcomes: 2xx delivered, 410 dead and endpoint disabled, else retry on the schedule (Retry-After on 429/502/503/504) or dead after max_attempts; NOTIFY solana_webhooks on delivered and dead';
REVOKE ALL ON FUNCTION solana._webhook_record(bigint[], int[], text[], float8[], int[]) FROM PUBLIC;
-- pg_solana install script, part 50: the price oracle system (issue 8).
--
-- A *feed* (solana.oracle_feeds) is a symbol with a policy; its
-- *sources* (solana.oracle_sources) are Pyth PriceUpdateV2 accounts,
-- Switchboard aggregator / pull feed accounts and custom signers.  Each
-- source holds its latest *sample* (exact numeric price, confidence,
-- observation time).  solana.aggregate_feed applies the policy to the
-- samples, writes every acceptance and rejection to solana.oracle_audit
-- and returns the aggregate; solana.publish_feed stores it in
-- solana.prices / solana.price_history and notifies `solana_prices`
-- when it moved enough or the heartbeat passed.  See docs/oracles.md.

-- ---------------------------------------------------------------------
-- readers (C)
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.pyth_price(
    data bytea,
    owner solana.pubkey DEFAULT NULL,
    OUT feed_id text,
    OUT price numeric,
    OUT conf numeric,
    OUT exponent integer,
    OUT publish_time bigint,
    OUT prev_publish_time bigint,
    OUT ema_price numeric,
    OUT ema_conf numeric,
    OUT posted_slot numeric,
    OUT verification_level text,
    OUT num_signatures integer,
    OUT write_authority solana.pubkey,
    OUT price_raw bigint,
    OUT conf_raw numeric)
    AS 'MODULE_PATHNAME', 'solana_pyth_price'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION solana.pyth_price(bytea, solana.pubkey) IS
    'decode a Pyth PriceUpdateV2 account; price, conf and ema values are exact numerics (raw x 10^exponent, null when |exponent| > 64); times are unix seconds; a given owner must be the Pyth receiver or push oracle program';

CREATE FUNCTION solana.switchboard_price(
    data bytea,
    owner solana.pubkey DEFAULT NULL,
    current_slot numeric DEFAULT NULL,
    OUT layout text,
    OUT name text,
    OUT value numeric,
    OUT std_dev numeric,
    OUT num_samples integer,
    OUT slot numeric,
    OUT updated_at bigint,
    OUT mantissa numeric,
    OUT scale integer,
    OUT authority solana.pubkey,
    OUT queue solana.pubkey,
    OUT min_responses integer)
    AS 'MODULE_PATHNAME', 'solana_switchboard_price'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION solana.switchboard_price(bytea, solana.pubkey, numeric) IS
    'decode a Switchboard v2 AggregatorAccountData (layout v2: latest confirmed round, value null without a successful round) or on-demand PullFeedAccountData (layout on_demand: with current_slot, value is the median of the submissions fresh at that slot as the SDK computes it, else the stored result)';

CREATE FUNCTION solana.offchain_message(
    message text,
    signers solana.pubkey[],
    version integer DEFAULT 1,
    application_domain solana.pubkey DEFAULT NULL,
    format integer DEFAULT NULL)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'solana_offchain_message'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION solana.offchain_message(text, solana.pubkey[], integer, solana.pubkey, integer) IS
    'the bytes a wallet signs for a Solana off-chain message, encoded as @solana/kit does (version 1: sorted signers; version 0: application domain and format, chosen when null)';

CREATE FUNCTION solana.offchain_verify(message bytea, signature solana.signature,
                                       signer solana.pubkey)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'solana_offchain_verify'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.offchain_verify(bytea, solana.signature, solana.pubkey) IS
    'true when signature is signer''s ed25519 signature of the off-chain message and signer is one of its signers';

-- ---------------------------------------------------------------------
-- aggregates over price samples
-- ---------------------------------------------------------------------
CREATE FUNCTION solana._sample_append(s numeric[], a numeric)
    RETURNS numeric[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN a IS NULL THEN s ELSE s || a END $$;
CREATE FUNCTION solana._sample_append(s numeric[], a numeric, b numeric)
    RETURNS numeric[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN s ELSE s || ARRAY[a, b] END $$;
REVOKE ALL ON FUNCTION solana._sample_append(numeric[], numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION solana._sample_append(numeric[], numeric, numeric) FROM PUBLIC;
COMMENT ON FUNCTION solana._sample_append(numeric[], numeric) IS 'state function of solana.price_median';
COMMENT ON FUNCTION solana._sample_append(numeric[], numeric, numeric) IS 'state function of the two-argument price aggregates';

CREATE FUNCTION solana._median_final(s numeric[])
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    SELECT CASE WHEN n = 0 THEN NULL
                WHEN n % 2 = 1 THEN v[n / 2 + 1]
                ELSE trim_scale((v[n / 2] + v[n / 2 + 1]) * 0.5) END
      FROM (SELECT array_agg(x ORDER BY x) AS v, count(*)::int AS n
              FROM unnest(s) AS x) AS t
$$;
REVOKE ALL ON FUNCTION solana._median_final(numeric[]) FROM PUBLIC;
COMMENT ON FUNCTION solana._median_final(numeric[]) IS 'final function of solana.price_median';

-- lower weighted median; the midpoint when a cumulative weight is exactly
-- half (midpoints multiply by 0.5: exact, where numeric division rounds)
CREATE FUNCTION solana._weighted_median_final(s numeric[])
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    WITH pairs AS (
        SELECT s[2 * i - 1] AS p, s[2 * i] AS w
          FROM generate_series(1, coalesce(array_length(s, 1), 0) / 2) AS i
         WHERE s[2 * i] > 0),
    cum AS (
        SELECT p, sum(w) OVER (ORDER BY p ROWS UNBOUNDED PRECEDING) AS c,
               sum(w) OVER () AS total,
               lead(p) OVER (ORDER BY p) AS next_p
          FROM pairs)
    SELECT CASE WHEN c * 2 = total AND next_p IS NOT NULL
                THEN trim_scale((p + next_p) * 0.5) ELSE p END
      FROM cum
     WHERE c * 2 >= total
     ORDER BY p
     LIMIT 1
$$;
REVOKE ALL ON FUNCTION solana._weighted_median_final(numeric[]) FROM PUBLIC;
COMMENT ON FUNCTION solana._weighted_median_final(numeric[]) IS 'final function of solana.price_weighted_median';

-- inverse-variance mean; samples with zero confidence interval dominate
CREATE FUNCTION solana._confidence_weighted_final(s numeric[])
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    WITH pairs AS (
        SELECT s[2 * i - 1] AS p, abs(s[2 * i]) AS c
          FROM generate_series(1, coalesce(array_length(s, 1), 0) / 2) AS i)
    SELECT CASE
             WHEN bool_or(c = 0) THEN trim_scale(round(avg(p) FILTER (WHERE c = 0), 18))
             ELSE trim_scale(round(sum(p::numeric(1000, 40) / nullif(c * c, 0))
                                        / sum(1::numeric(1000, 40) / nullif(c * c, 0)), 18)) END
      FROM pairs
$$;
REVOKE ALL ON FUNCTION solana._confidence_weighted_final(numeric[]) FROM PUBLIC;
COMMENT ON FUNCTION solana._confidence_weighted_final(numeric[]) IS 'final function of solana.price_confidence_weighted';

CREATE FUNCTION solana._confidence_weighted_conf_final(s numeric[])
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    WITH pairs AS (
        SELECT abs(s[2 * i]) AS c
          FROM generate_series(1, coalesce(array_length(s, 1), 0) / 2) AS i)
    SELECT CASE WHEN count(*) = 0 THEN NULL
                WHEN bool_or(c = 0) THEN 0
                ELSE trim_scale(round(sqrt(1::numeric(1000, 40)
                                             / sum(1::numeric(1000, 40) / nullif(c * c, 0))), 18)) END
      FROM pairs
$$;
REVOKE ALL ON FUNCTION solana._confidence_weighted_conf_final(numeric[]) FROM PUBLIC;
COMMENT ON FUNCTION solana._confidence_weighted_conf_final(numeric[]) IS 'final function of solana.price_confidence_weighted_conf';

CREATE AGGREGATE solana.price_median(price numeric) (
    SFUNC = solana._sample_append, STYPE = numeric[], INITCOND = '{}',
    FINALFUNC = solana._median_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE solana.price_median(numeric) IS
    'median of the prices (mean of the two middle ones for an even count), exact numeric; nulls ignored';

CREATE AGGREGATE solana.price_weighted_median(price numeric, weight numeric) (
    SFUNC = solana._sample_append, STYPE = numeric[], INITCOND = '{}',
    FINALFUNC = solana._weighted_median_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE solana.price_weighted_median(numeric, numeric) IS
    'weighted median: the smallest price whose cumulative weight reaches half the total (midpoint with the next price when exactly half); rows with null or non-positive weight ignored';

CREATE AGGREGATE solana.price_confidence_weighted(price numeric, conf numeric) (
    SFUNC = solana._sample_append, STYPE = numeric[], INITCOND = '{}',
    FINALFUNC = solana._confidence_weighted_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE solana.price_confidence_weighted(numeric, numeric) IS
    'confidence-weighted mean sum(p/c^2)/sum(1/c^2) rounded to 18 decimals; when some conf is 0, the mean of those prices';

CREATE AGGREGATE solana.price_confidence_weighted_conf(price numeric, conf numeric) (
    SFUNC = solana._sample_append, STYPE = numeric[], INITCOND = '{}',
    FINALFUNC = solana._confidence_weighted_conf_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE solana.price_confidence_weighted_conf(numeric, numeric) IS
    'confidence interval of solana.price_confidence_weighted: 1/sqrt(sum(1/c^2)), rounded to 18 decimals';

-- ---------------------------------------------------------------------
-- feeds, sources, submissions, audit, prices
-- ---------------------------------------------------------------------
CREATE TABLE solana.oracle_feeds (
    symbol                  text PRIMARY KEY CHECK (symbol <> ''),
    method                  text NOT NULL DEFAULT 'median'
                            CHECK (method IN ('median', 'weighted_median', 'confidence_weighted')),
    max_staleness           interval NOT NULL DEFAULT '60 seconds'
                            CHECK (max_staleness > interval '0'),
    max_future              interval NOT NULL DEFAULT '10 seconds'
                            CHECK (max_future >= interval '0'),
    min_sources             integer NOT NULL DEFAULT 1 CHECK (min_sources >= 1),
    required_verification   text NOT NULL DEFAULT 'Full'
                            CHECK (required_verification IN ('Full', 'Partial')),
    max_conf_ratio          numeric CHECK (max_conf_ratio > 0),
    max_deviation_bps       numeric CHECK (max_deviation_bps > 0),
    update_threshold_bps    numeric NOT NULL DEFAULT 0 CHECK (update_threshold_bps >= 0),
    heartbeat               interval NOT NULL DEFAULT '5 minutes'
                            CHECK (heartbeat > interval '0'),
    required_signatures     integer NOT NULL DEFAULT 1 CHECK (required_signatures >= 1),
    created_at              timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE solana.oracle_feeds IS
    'price feeds and their policy: staleness, minimum sources, Pyth verification level, confidence/price ratio, outlier deviation (bps from the median), publish threshold (bps) and heartbeat, aggregation method, custom-signer quorum';

CREATE TABLE solana.oracle_sources (
    feed            text NOT NULL REFERENCES solana.oracle_feeds (symbol)
                    ON DELETE CASCADE ON UPDATE CASCADE,
    source_id       text NOT NULL CHECK (source_id <> ''),
    kind            text NOT NULL CHECK (kind IN ('pyth', 'switchboard', 'custom')),
    account         solana.pubkey,
    authority       solana.pubkey,
    weight          numeric NOT NULL DEFAULT 1 CHECK (weight > 0),
    active          boolean NOT NULL DEFAULT true,
    price           numeric,
    conf            numeric,
    observed_at     timestamptz,
    verification    text,
    slot            numeric,
    last_update     timestamptz,
    last_error      text,
    PRIMARY KEY (feed, source_id),
    CHECK (CASE kind WHEN 'custom' THEN authority IS NOT NULL AND account IS NULL
                     ELSE account IS NOT NULL AND authority IS NULL END)
);
CREATE INDEX oracle_sources_account_idx ON solana.oracle_sources (account)
    WHERE account IS NOT NULL;
COMMENT ON TABLE solana.oracle_sources IS
    'sources of a feed (a Pyth or Switchboard account, or a custom signer with its authority) with weight, active flag and the latest sample read from it';

CREATE TABLE solana.oracle_submissions (
    feed            text NOT NULL,
    source_id       text NOT NULL,
    price           bigint NOT NULL,
    exponent        integer NOT NULL,
    observed_at     timestamptz NOT NULL,
    signature       solana.signature NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed, source_id, observed_at),
    FOREIGN KEY (feed, source_id) REFERENCES solana.oracle_sources (feed, source_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE solana.oracle_submissions IS
    'verified submissions of custom signers; (feed, source, observed_at) is unique, so a replay is refused';

CREATE TABLE solana.oracle_audit (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          bigint NOT NULL,
    feed            text NOT NULL,
    source_id       text,
    accepted        boolean NOT NULL,
    reason          text,
    price           numeric,
    conf            numeric,
    observed_at     timestamptz,
    computed_at     timestamptz NOT NULL
);
CREATE INDEX oracle_audit_feed_idx ON solana.oracle_audit (feed, computed_at);
CREATE SEQUENCE solana.oracle_audit_run_seq;
COMMENT ON TABLE solana.oracle_audit IS
    'one row per source per aggregation (accepted, or the reason it was rejected: inactive, no_data, stale, future, verification_level, non_positive, confidence, no_confidence, quorum, outlier) and a row without source when the feed had too few sources (min_sources)';
COMMENT ON SEQUENCE solana.oracle_audit_run_seq IS 'numbers aggregation runs in solana.oracle_audit';

CREATE TABLE solana.prices (
    feed            text PRIMARY KEY REFERENCES solana.oracle_feeds (symbol)
                    ON DELETE CASCADE ON UPDATE CASCADE,
    price           numeric NOT NULL,
    conf            numeric,
    sources_used    integer NOT NULL,
    method          text NOT NULL,
    computed_at     timestamptz NOT NULL,
    published_at    timestamptz NOT NULL
);
COMMENT ON TABLE solana.prices IS 'the latest published price of each feed';

CREATE TABLE solana.price_history (
    feed            text NOT NULL,
    price           numeric NOT NULL,
    conf            numeric,
    sources_used    integer NOT NULL,
    method          text NOT NULL,
    published_at    timestamptz NOT NULL
) PARTITION BY RANGE (published_at);
CREATE INDEX price_history_feed_idx ON solana.price_history (feed, published_at);
CREATE TABLE solana.price_history_default PARTITION OF solana.price_history DEFAULT;
COMMENT ON TABLE solana.price_history IS
    'every published update, partitioned by month of published_at (solana.create_price_history_partitions); rows outside the monthly partitions land in price_history_default';
COMMENT ON TABLE solana.price_history_default IS 'price history outside the monthly partitions';

SELECT pg_catalog.pg_extension_config_dump('solana.oracle_feeds', '');
SELECT pg_catalog.pg_extension_config_dump('solana.oracle_sources', '');
SELECT pg_catalog.pg_extension_config_dump('solana.oracle_submissions', '');

CREATE FUNCTION solana.create_price_history_partitions(
    from_month date DEFAULT (date_trunc('month', now()) - interval '1 month')::date,
    months integer DEFAULT 14)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    m date;
    made integer := 0;
    name text;
BEGIN
    IF months IS NULL OR months < 1 OR months > 1200 THEN
        RAISE EXCEPTION 'invalid number of months: %', months
            USING ERRCODE = '22023', HINT = 'Give 1 to 1200 months.';
    END IF;
    FOR i IN 0 .. months - 1 LOOP
        m := (date_trunc('month', from_month) + make_interval(months => i))::date;
        name := 'price_history_' || to_char(m, 'YYYYMM');
        CONTINUE WHEN to_regclass('solana.' || quote_ident(name)) IS NOT NULL;
        -- rows already in the default partition for that month move over
        EXECUTE format('CREATE TABLE solana.%I (LIKE solana.price_history)', name);
        EXECUTE format('WITH moved AS (DELETE FROM solana.price_history_default
                         WHERE published_at >= %L AND published_at < %L RETURNING *)
                        INSERT INTO solana.%I SELECT * FROM moved',
                       m, (m + interval '1 month')::date, name);
        EXECUTE format('ALTER TABLE solana.price_history ATTACH PARTITION solana.%I
                        FOR VALUES FROM (%L) TO (%L)', name, m, (m + interval '1 month')::date);
        made := made + 1;
    END LOOP;
    RETURN made;
END
$$;
COMMENT ON FUNCTION solana.create_price_history_partitions(date, integer) IS
    'create the monthly partitions of solana.price_history from from_month for months months (existing ones are skipped); returns how many were made';

SELECT solana.create_price_history_partitions();

-- ---------------------------------------------------------------------
-- aggregation and publication
-- ---------------------------------------------------------------------
CREATE TYPE solana._price_sample AS (
    source_id   text,
    kind        text,
    price       numeric,
    conf        numeric,
    weight      numeric,
    observed_at timestamptz,
    reason      text
);
COMMENT ON TYPE solana._price_sample IS 'one source''s sample while solana.aggregate_feed applies the policy';

CREATE FUNCTION solana._feed(symbol text) RETURNS solana.oracle_feeds
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    f solana.oracle_feeds;
BEGIN
    SELECT * INTO f FROM solana.oracle_feeds AS o WHERE o.symbol = _feed.symbol;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown price feed: "%"', symbol
            USING ERRCODE = '22023', HINT = 'Feeds are rows of solana.oracle_feeds.';
    END IF;
    RETURN f;
END
$$;
REVOKE ALL ON FUNCTION solana._feed(text) FROM PUBLIC;
COMMENT ON FUNCTION solana._feed(text) IS 'the feed row, or 22023 for an unknown symbol';

CREATE FUNCTION solana.aggregate_feed(
    symbol text,
    as_of timestamptz DEFAULT now(),
    OUT price numeric,
    OUT conf numeric,
    OUT sources_used integer,
    OUT sources_rejected integer,
    OUT method text,
    OUT computed_at timestamptz)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    f solana.oracle_feeds := solana._feed(symbol);
    samples solana._price_sample[];
    med numeric;
    custom_ok integer;
    has_custom boolean;
    run bigint := nextval('solana.oracle_audit_run_seq');
BEGIN
    method := f.method;
    computed_at := as_of;
    -- source-level rules, first match wins
    SELECT array_agg(ROW(s.source_id, s.kind, s.price, s.conf, s.weight, s.observed_at,
        CASE
            WHEN NOT s.active THEN 'inactive'
            WHEN s.price IS NULL OR s.observed_at IS NULL THEN 'no_data'
            WHEN s.observed_at < as_of - f.max_staleness THEN 'stale'
            WHEN s.observed_at > as_of + f.max_future THEN 'future'
            WHEN s.kind = 'pyth' AND f.required_verification = 'Full'
                 AND s.verification IS DISTINCT FROM 'Full' THEN 'verification_level'
            WHEN s.price <= 0 THEN 'non_positive'
            WHEN f.max_conf_ratio IS NOT NULL AND s.conf IS NOT NULL
                 AND s.conf > f.max_conf_ratio * s.price THEN 'confidence'
            WHEN f.method = 'confidence_weighted' AND s.conf IS NULL THEN 'no_confidence'
        END)::solana._price_sample ORDER BY s.source_id)
      INTO samples
      FROM solana.oracle_sources AS s
     WHERE s.feed = f.symbol;
    samples := coalesce(samples, '{}');

    -- custom signers count only once required_signatures of them are fresh
    SELECT count(*) FILTER (WHERE x.kind = 'custom' AND x.reason IS NULL),
           bool_or(x.kind = 'custom')
      INTO custom_ok, has_custom
      FROM unnest(samples) AS x;
    IF has_custom AND custom_ok < f.required_signatures THEN
        SELECT array_agg(ROW(x.source_id, x.kind, x.price, x.conf, x.weight, x.observed_at,
                   CASE WHEN x.kind = 'custom' AND x.reason IS NULL THEN 'quorum'
                        ELSE x.reason END)::solana._price_sample ORDER BY x.source_id)
          INTO samples FROM unnest(samples) AS x;
    END IF;

    -- outliers: too far from the median of what is left
    IF f.max_deviation_bps IS NOT NULL THEN
        SELECT solana.price_median(x.price) INTO med
          FROM unnest(samples) AS x WHERE x.reason IS NULL;
        IF med IS NOT NULL THEN
            SELECT array_agg(ROW(x.source_id, x.kind, x.price, x.conf, x.weight, x.observed_at,
                       CASE WHEN x.reason IS NULL
                             AND abs(x.price - med) * 10000 > f.max_deviation_bps * abs(med)
                            THEN 'outlier' ELSE x.reason END)::solana._price_sample
                       ORDER BY x.source_id)
              INTO samples FROM unnest(samples) AS x;
        END IF;
    END IF;

    SELECT count(*) FILTER (WHERE x.reason IS NULL),
           count(*) FILTER (WHERE x.reason IS NOT NULL)
      INTO sources_used, sources_rejected
      FROM unnest(samples) AS x;

    INSERT INTO solana.oracle_audit (run_id, feed, source_id, accepted, reason, price, conf,
                                     observed_at, computed_at)
    SELECT run, f.symbol, x.source_id, x.reason IS NULL, x.reason, x.price, x.conf,
           x.observed_at, as_of
      FROM unnest(samples) AS x;

    IF sources_used < f.min_sources THEN
        INSERT INTO solana.oracle_audit (run_id, feed, source_id, accepted, reason, computed_at)
        VALUES (run, f.symbol, NULL, false, 'min_sources', as_of);
        RETURN;
    END IF;

    IF f.method = 'median' THEN
        SELECT solana.price_median(x.price), solana.price_median(x.conf)
          INTO price, conf FROM unnest(samples) AS x WHERE x.reason IS NULL;
    ELSIF f.method = 'weighted_median' THEN
        SELECT solana.price_weighted_median(x.price, x.weight),
               solana.price_weighted_median(x.conf, x.weight)
          INTO price, conf FROM unnest(samples) AS x WHERE x.reason IS NULL;
    ELSE
        SELECT solana.price_confidence_weighted(x.price, x.conf),
               solana.price_confidence_weighted_conf(x.price, x.conf)
          INTO price, conf FROM unnest(samples) AS x WHERE x.reason IS NULL;
    END IF;
END
$$;
COMMENT ON FUNCTION solana.aggregate_feed(text, timestamptz) IS
    'apply the feed''s policy to its sources'' latest samples as of as_of (default now), write each acceptance or rejection to solana.oracle_audit, and return the aggregate (price null when fewer than min_sources were accepted)';

CREATE FUNCTION solana.publish_feed(symbol text, as_of timestamptz DEFAULT now())
    RETURNS boolean
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    f solana.oracle_feeds := solana._feed(symbol);
    a record;
    last solana.prices;
BEGIN
    SELECT * INTO a FROM solana.aggregate_feed(f.symbol, as_of);
    IF a.price IS NULL THEN
        RETURN false;
    END IF;
    SELECT * INTO last FROM solana.prices AS p WHERE p.feed = f.symbol FOR UPDATE;
    IF FOUND AND as_of - last.published_at < f.heartbeat
       AND abs(a.price - last.price) * 10000 < f.update_threshold_bps * abs(last.price) THEN
        RETURN false;
    END IF;
    INSERT INTO solana.prices AS p (feed, price, conf, sources_used, method, computed_at,
                                    published_at)
    VALUES (f.symbol, a.price, a.conf, a.sources_used, a.method, a.computed_at, as_of)
    ON CONFLICT (feed) DO UPDATE
        SET price = EXCLUDED.price, conf = EXCLUDED.conf,
            sources_used = EXCLUDED.sources_used, method = EXCLUDED.method,
            computed_at = EXCLUDED.computed_at, published_at = EXCLUDED.published_at;
    INSERT INTO solana.price_history (feed, price, conf, sources_used, method, published_at)
    VALUES (f.symbol, a.price, a.conf, a.sources_used, a.method, as_of);
    PERFORM pg_notify('solana_prices',
                      json_build_object('feed', f.symbol, 'price', a.price::text,
                                        'conf', a.conf::text, 'sources', a.sources_used,
                                        'published_at', extract(epoch FROM as_of))::text);
    RETURN true;
END
$$;
COMMENT ON FUNCTION solana.publish_feed(text, timestamptz) IS
    'aggregate the feed and, when the price moved by at least update_threshold_bps or heartbeat passed since the last publication, store it in solana.prices and solana.price_history and NOTIFY solana_prices; returns whether it published';

-- ---------------------------------------------------------------------
-- account samples: live (solana.accounts) and pulled (refresh_oracles)
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.oracle_account_update(
    account solana.pubkey,
    data bytea,
    slot numeric DEFAULT NULL,
    owner solana.pubkey DEFAULT NULL,
    publish boolean DEFAULT true)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    s record;
    p record;
    feeds text[] := '{}';
    published integer := 0;
    fd text;
    e_state text;
    e_msg text;
BEGIN
    FOR s IN SELECT o.feed, o.source_id, o.kind FROM solana.oracle_sources AS o
              WHERE o.account = oracle_account_update.account AND o.kind <> 'custom'
              ORDER BY o.feed, o.source_id FOR UPDATE
    LOOP
        BEGIN
            IF s.kind = 'pyth' THEN
                SELECT x.price, x.conf, to_timestamp(x.publish_time) AS observed_at,
                       x.verification_level AS verification, x.posted_slot AS slot
                  INTO STRICT p FROM solana.pyth_price(data, owner) AS x;
            ELSE
                SELECT x.value AS price, x.std_dev AS conf,
                       to_timestamp(x.updated_at) AS observed_at,
                       NULL::text AS verification, x.slot
                  INTO STRICT p
                  FROM solana.switchboard_price(data, owner, oracle_account_update.slot) AS x;
            END IF;
            UPDATE solana.oracle_sources AS o
               SET price = p.price, conf = p.conf, observed_at = p.observed_at,
                   verification = p.verification, slot = coalesce(p.slot, oracle_account_update.slot),
                   last_update = now(), last_error = NULL
             WHERE o.feed = s.feed AND o.source_id = s.source_id;
        EXCEPTION WHEN invalid_binary_representation OR numeric_value_out_of_range
                       OR invalid_parameter_value THEN
            -- bad account data never aborts the caller (the ingest batch)
            GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT;
            UPDATE solana.oracle_sources AS o
               SET price = NULL, last_update = now(), last_error = e_state || ': ' || e_msg
             WHERE o.feed = s.feed AND o.source_id = s.source_id;
            RAISE WARNING 'oracle source %/% (%): %', s.feed, s.source_id, account, e_msg;
        END;
        IF NOT s.feed = ANY (feeds) THEN
            feeds := feeds || s.feed;
        END IF;
    END LOOP;
    IF NOT publish THEN
        RETURN 0;
    END IF;
    FOREACH fd IN ARRAY feeds LOOP
        IF solana.publish_feed(fd) THEN
            published := published + 1;
        END IF;
    END LOOP;
    RETURN published;
END
$$;
COMMENT ON FUNCTION solana.oracle_account_update(solana.pubkey, bytea, numeric, solana.pubkey, boolean) IS
    'read a new state of an oracle account into the samples of every source on it (bad data is stored in last_error with a WARNING, never raised) and, unless publish is false, re-publish the affected feeds; returns how many published';

CREATE FUNCTION solana._oracle_account_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM solana.oracle_sources AS o WHERE o.account = NEW.pubkey) THEN
        PERFORM solana.oracle_account_update(NEW.pubkey, NEW.data, NEW.slot, NEW.owner);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION solana._oracle_account_changed() FROM PUBLIC;
COMMENT ON FUNCTION solana._oracle_account_changed() IS
    'trigger on solana.accounts: a followed oracle account changed, so its feeds re-aggregate';

DO $$
BEGIN
    IF to_regclass('solana.accounts') IS NOT NULL THEN
        CREATE TRIGGER accounts_oracle_update
            AFTER INSERT OR UPDATE OF data ON solana.accounts
            FOR EACH ROW EXECUTE FUNCTION solana._oracle_account_changed();
    END IF;
END
$$;

CREATE FUNCTION solana.follow_oracles(commitment text DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    a solana.pubkey;
    n integer := 0;
BEGIN
    IF to_regprocedure('solana.subscribe(text, solana.pubkey, text, jsonb, solana.signature, bigint, boolean)') IS NULL THEN
        RAISE EXCEPTION 'solana.subscribe is not available'
            USING ERRCODE = '55000', HINT = 'Account subscriptions come with the ingest worker.';
    END IF;
    FOR a IN SELECT DISTINCT o.account FROM solana.oracle_sources AS o
              WHERE o.account IS NOT NULL AND o.active
                AND NOT EXISTS (SELECT 1 FROM solana.subscriptions AS s
                                 WHERE s.kind = 'account' AND s.target = o.account)
    LOOP
        PERFORM solana.subscribe('account', a, commitment);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION solana.follow_oracles(text) IS
    'subscribe (ingest worker) to every active oracle account not yet followed, so that feeds re-aggregate live; returns how many subscriptions were added';

CREATE FUNCTION solana.refresh_oracles(batch_size integer DEFAULT 100)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    keys text[];
    res jsonb;
    v jsonb;
    slot numeric;
    n integer := 0;
    fd text;
BEGIN
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 100 THEN
        RAISE EXCEPTION 'invalid batch size: %', batch_size
            USING ERRCODE = '22023', HINT = 'getMultipleAccounts takes 1 to 100 accounts.';
    END IF;
    IF to_regprocedure('solana.rpc(text, jsonb, boolean)') IS NULL THEN
        RAISE EXCEPTION 'solana.rpc is not available'
            USING ERRCODE = '55000',
                  HINT = 'refresh_oracles reads accounts through the RPC gateway (solana.rpc).';
    END IF;
    FOR keys IN
        SELECT array_agg(t.a ORDER BY t.a)
          FROM (SELECT d.a, row_number() OVER (ORDER BY d.a) AS r
                  FROM (SELECT DISTINCT o.account::text AS a FROM solana.oracle_sources AS o
                         WHERE o.account IS NOT NULL AND o.active) AS d) AS t
         GROUP BY (t.r - 1) / batch_size
    LOOP
        EXECUTE 'SELECT solana.rpc($1, $2, false)' INTO res
          USING 'getMultipleAccounts',
                jsonb_build_array(to_jsonb(keys),
                                  jsonb_build_object('encoding', 'base64',
                                                     'commitment', current_setting('solana.commitment')));
        IF res ? 'result' THEN
            res := res -> 'result';
        END IF;
        slot := (res #>> '{context,slot}')::numeric;
        FOR i IN 1 .. array_length(keys, 1) LOOP
            v := res -> 'value' -> (i - 1);
            CONTINUE WHEN v IS NULL OR jsonb_typeof(v) = 'null';
            PERFORM solana.oracle_account_update(keys[i]::solana.pubkey,
                                                 decode(v #>> '{data,0}', 'base64'), slot,
                                                 (v ->> 'owner')::solana.pubkey, false);
            n := n + 1;
        END LOOP;
    END LOOP;
    -- every sample is in: each feed aggregates once
    FOR fd IN SELECT DISTINCT o.feed FROM solana.oracle_sources AS o
               WHERE o.account IS NOT NULL AND o.active ORDER BY 1
    LOOP
        PERFORM solana.publish_feed(fd);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION solana.refresh_oracles(integer) IS
    'pull every active oracle account with one getMultipleAccounts per batch (solana.rpc) and re-aggregate the feeds; for pg_cron; returns how many accounts were read';

-- ---------------------------------------------------------------------
-- custom signed feeds
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.price_message(feed text, source_id text, price bigint,
                                     exponent integer, observed_at timestamptz)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    SELECT 'pg_solana price v1' || E'\n' ||
           'feed: ' || feed || E'\n' ||
           'source: ' || source_id || E'\n' ||
           'price: ' || price || E'\n' ||
           'exponent: ' || exponent || E'\n' ||
           'observed_at: ' || extract(epoch FROM observed_at)::bigint
$$;
COMMENT ON FUNCTION solana.price_message(text, text, bigint, integer, timestamptz) IS
    'the canonical text a custom price source signs (as a version 1 off-chain message with the authority as only signer); observed_at in unix seconds';

CREATE FUNCTION solana.submit_price(
    feed text,
    source_id text,
    price bigint,
    exponent integer,
    observed_at timestamptz,
    signature solana.signature)
    RETURNS boolean
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    f solana.oracle_feeds;
    s solana.oracle_sources;
    msg bytea;
    t timestamptz := now();
BEGIN
    IF feed IS NULL OR source_id IS NULL OR price IS NULL OR exponent IS NULL
       OR observed_at IS NULL OR signature IS NULL THEN
        RAISE EXCEPTION 'price submission has null fields'
            USING ERRCODE = '22023', DETAIL = 'feed, source_id, price, exponent, observed_at and signature are required.';
    END IF;
    f := solana._feed(feed);
    SELECT * INTO s FROM solana.oracle_sources AS o
     WHERE o.feed = f.symbol AND o.source_id = submit_price.source_id
     FOR UPDATE;
    IF NOT FOUND OR s.kind <> 'custom' THEN
        RAISE EXCEPTION 'unknown price source "%" for feed "%"', source_id, feed
            USING ERRCODE = '42501', HINT = 'Custom sources are rows of solana.oracle_sources with kind custom.';
    END IF;
    IF NOT s.active THEN
        RAISE EXCEPTION 'price source "%" of feed "%" is inactive', source_id, feed
            USING ERRCODE = '42501';
    END IF;
    IF exponent NOT BETWEEN -64 AND 64 THEN
        RAISE EXCEPTION 'price exponent % is out of range', exponent
            USING ERRCODE = '22023', HINT = 'Use an exponent from -64 to 64.';
    END IF;
    IF observed_at <> to_timestamp(extract(epoch FROM observed_at)::bigint) THEN
        RAISE EXCEPTION 'observed_at % is not a whole second', observed_at
            USING ERRCODE = '22023';
    END IF;
    IF observed_at < t - f.max_staleness THEN
        RAISE EXCEPTION 'price submission observed at % is stale', observed_at
            USING ERRCODE = '22023', DETAIL = format('Feed %s accepts observations up to %s old.', f.symbol, f.max_staleness);
    END IF;
    IF observed_at > t + f.max_future THEN
        RAISE EXCEPTION 'price submission observed at % is in the future', observed_at
            USING ERRCODE = '22023', DETAIL = format('Feed %s allows %s of clock skew.', f.symbol, f.max_future);
    END IF;
    msg := solana.offchain_message(solana.price_message(f.symbol, s.source_id, price, exponent,
                                                        observed_at),
                                   ARRAY[s.authority], 1);
    IF NOT solana.offchain_verify(msg, signature, s.authority) THEN
        RAISE EXCEPTION 'invalid signature on price submission from source "%"', source_id
            USING ERRCODE = '42501',
                  DETAIL = format('The signature does not verify with authority %s over the off-chain message of solana.price_message.', s.authority);
    END IF;
    IF s.observed_at IS NOT NULL AND observed_at <= s.observed_at
       OR EXISTS (SELECT 1 FROM solana.oracle_submissions AS x
                   WHERE x.feed = f.symbol AND x.source_id = s.source_id
                     AND x.observed_at = submit_price.observed_at) THEN
        RAISE EXCEPTION 'replayed price submission from source "%" observed at %', source_id, observed_at
            USING ERRCODE = '22023', DETAIL = 'A source submits each observation time once, in increasing order.';
    END IF;
    INSERT INTO solana.oracle_submissions (feed, source_id, price, exponent, observed_at, signature)
    VALUES (f.symbol, s.source_id, price, exponent, observed_at, signature);
    UPDATE solana.oracle_sources AS o
       SET price = trim_scale((submit_price.price::text || 'e' || submit_price.exponent)::numeric),
           conf = NULL, observed_at = submit_price.observed_at, verification = NULL,
           last_update = t, last_error = NULL
     WHERE o.feed = f.symbol AND o.source_id = s.source_id;
    RETURN solana.publish_feed(f.symbol, t);
END
$$;
COMMENT ON FUNCTION solana.submit_price(text, text, bigint, integer, timestamptz, solana.signature) IS
    'accept a custom source''s price (price x 10^exponent observed at observed_at) signed by its authority over solana.price_message as an off-chain message; 42501 for unknown or inactive sources and bad signatures, 22023 for malformed, stale, future or replayed submissions; returns whether the feed published';
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
-- pg_solana install script, part 61: the durable send state machine.
--
-- A *batch* is one call of solana.submit_instructions; its instructions
-- are packed by bytes into *transactions*, one row of
-- solana.transactions each, and one `transaction` job per row goes to
-- the job queue (queue 'solana_transactions').  Whoever runs the job
-- (the dispatcher) moves the row through the states with the
-- functions below, each of which checks the transition under a row
-- lock, so that a restart resumes from the table:
--
--   intent --_transaction_sign--> signed --_transaction_sent--> sent (n sends)
--   sent --_transaction_result--> confirmed --> finalized | failed
--   signed|sent --_transaction_expire(block height, never landed)--> expired
--   expired --_transaction_sign (new blockhash)--> signed
--
-- The same signed bytes are rebroadcast (state sent, sends + 1) until
-- confirmed or until the block height passes last_valid_block_height
-- and getSignatureStatuses says the signature never landed; only then
-- may it be signed again, so one intent never executes twice.
--
-- NOTIFY channel solana_transactions, JSON payload on every state
-- change: {"id", "batch_id", "state", "signature"}.

CREATE TABLE solana.transaction_batches (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    signers         text[] NOT NULL,
    options         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE solana.transaction_batches IS
    'one row per solana.submit_instructions call: signers and options';

CREATE TABLE solana.transactions (
    id                      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    batch_id                bigint NOT NULL REFERENCES solana.transaction_batches ON DELETE CASCADE,
    seq                     integer NOT NULL,
    state                   text NOT NULL DEFAULT 'intent'
                            CHECK (state IN ('intent', 'signed', 'sent', 'confirmed',
                                             'finalized', 'failed', 'expired')),
    instructions            solana.instruction[] NOT NULL,
    payer                   solana.pubkey NOT NULL,
    signers                 text[] NOT NULL,
    version                 text NOT NULL DEFAULT 'legacy',
    lookup_tables           jsonb,
    compute_unit_limit      integer,
    compute_unit_price      bigint,
    recent_blockhash        text,
    last_valid_block_height bigint,
    signature               solana.signature,
    wire                    bytea,
    previous_signatures     solana.signature[] NOT NULL DEFAULT '{}',
    signings                integer NOT NULL DEFAULT 0,
    sends                   integer NOT NULL DEFAULT 0,
    last_sent_at            timestamptz,
    slot                    bigint,
    fee                     bigint,
    compute_units_consumed  bigint,
    error                   jsonb,
    logs                    text[],
    split_from              bigint REFERENCES solana.transactions,
    split_index             integer,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (batch_id, seq)
);
COMMENT ON TABLE solana.transactions IS
    'one row per transaction to land: state intent -> signed -> sent -> confirmed -> finalized | failed | expired, with signature, slot, fee, compute units, error and logs';
CREATE INDEX ON solana.transactions (state) WHERE state IN ('intent', 'signed', 'sent', 'confirmed', 'expired');
CREATE UNIQUE INDEX ON solana.transactions (signature) WHERE signature IS NOT NULL;

CREATE FUNCTION solana._transactions_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
BEGIN
    PERFORM pg_notify('solana_transactions',
                      json_build_object('id', NEW.id, 'batch_id', NEW.batch_id,
                                        'state', NEW.state,
                                        'signature', NEW.signature::text)::text);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION solana._transactions_notify() FROM PUBLIC;
CREATE TRIGGER transactions_notify AFTER INSERT OR UPDATE OF state ON solana.transactions
    FOR EACH ROW EXECUTE FUNCTION solana._transactions_notify();

-- the row, locked, when its state is one of `allowed`; 55000 otherwise
CREATE FUNCTION solana._transaction_lock(tx_id bigint, allowed text[], action text)
RETURNS solana.transactions LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    t solana.transactions;
BEGIN
    SELECT * INTO t FROM solana.transactions WHERE id = tx_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'transaction % does not exist', tx_id USING ERRCODE = '42704';
    END IF;
    IF NOT t.state = ANY (allowed) THEN
        RAISE EXCEPTION 'cannot % transaction % in state %', action, tx_id, t.state
            USING ERRCODE = '55000',
                  DETAIL = format('Allowed from: %s.', array_to_string(allowed, ', '));
    END IF;
    RETURN t;
END
$$;
REVOKE ALL ON FUNCTION solana._transaction_lock(bigint, text[], text) FROM PUBLIC;

-- the instructions a transaction row sends: compute budget first
CREATE FUNCTION solana._transaction_instructions(t solana.transactions)
RETURNS solana.instruction[] LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, solana AS $$
    SELECT CASE WHEN t.compute_unit_limit IS NULL THEN '{}'::solana.instruction[]
                ELSE ARRAY[solana.set_compute_unit_limit(t.compute_unit_limit)] END
        || CASE WHEN t.compute_unit_price IS NULL THEN '{}'::solana.instruction[]
                ELSE ARRAY[solana.set_compute_unit_price(t.compute_unit_price)] END
        || t.instructions
$$;
REVOKE ALL ON FUNCTION solana._transaction_instructions(solana.transactions) FROM PUBLIC;

CREATE FUNCTION solana._transaction_sign(tx_id bigint, recent_blockhash text,
                                         last_valid_block_height bigint,
                                         compute_unit_limit integer DEFAULT NULL,
                                         compute_unit_price bigint DEFAULT NULL)
RETURNS bytea LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, solana AS $$
DECLARE
    t solana.transactions;
    w bytea;
BEGIN
    t := solana._transaction_lock(tx_id, ARRAY['intent', 'expired'], 'sign');
    t.compute_unit_limit := coalesce(_transaction_sign.compute_unit_limit, t.compute_unit_limit);
    t.compute_unit_price := coalesce(_transaction_sign.compute_unit_price, t.compute_unit_price);
    w := solana.sign_message(
            solana.compile_message(solana._transaction_instructions(t), t.payer,
                                   _transaction_sign.recent_blockhash, t.lookup_tables, t.version),
            t.signers);
    UPDATE solana.transactions x
       SET state = 'signed', wire = w,
           signature = solana.signature(substring(w FROM 2 FOR 64)),
           previous_signatures = CASE WHEN x.signature IS NULL THEN x.previous_signatures
                                      ELSE x.previous_signatures || x.signature END,
           recent_blockhash = _transaction_sign.recent_blockhash,
           last_valid_block_height = _transaction_sign.last_valid_block_height,
           compute_unit_limit = t.compute_unit_limit, compute_unit_price = t.compute_unit_price,
           signings = x.signings + 1, updated_at = now()
     WHERE x.id = tx_id;
    RETURN w;
END
$$;
COMMENT ON FUNCTION solana._transaction_sign(bigint, text, bigint, integer, bigint) IS
    'internal: sign an intent (or an expired transaction) with a fresh blockhash; state -> signed';
REVOKE ALL ON FUNCTION solana._transaction_sign(bigint, text, bigint, integer, bigint) FROM PUBLIC;

CREATE FUNCTION solana._transaction_sent(tx_id bigint) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    t solana.transactions;
BEGIN
    t := solana._transaction_lock(tx_id, ARRAY['signed', 'sent'], 'record a send of');
    UPDATE solana.transactions SET state = 'sent', sends = sends + 1,
           last_sent_at = now(), updated_at = now()
     WHERE id = tx_id;
    RETURN t.sends + 1;
END
$$;
COMMENT ON FUNCTION solana._transaction_sent(bigint) IS
    'internal: record one sendTransaction of the signed bytes; state -> sent';
REVOKE ALL ON FUNCTION solana._transaction_sent(bigint) FROM PUBLIC;

-- result: {"state": "confirmed"|"finalized"|"failed", "slot", "fee",
-- "compute_units_consumed", "error", "logs": [..]}
CREATE FUNCTION solana._transaction_result(tx_id bigint, result jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    t solana.transactions;
    s text := result->>'state';
BEGIN
    IF s IS NULL OR s NOT IN ('confirmed', 'finalized', 'failed') THEN
        RAISE EXCEPTION 'invalid result state: %', coalesce(s, 'NULL') USING ERRCODE = '22023',
            HINT = 'Valid result states are confirmed, finalized and failed.';
    END IF;
    t := solana._transaction_lock(tx_id,
            CASE s WHEN 'confirmed' THEN ARRAY['signed', 'sent']
                   ELSE ARRAY['signed', 'sent', 'confirmed'] END, 'record ' || s || ' for');
    UPDATE solana.transactions
       SET state = s,
           slot = coalesce((result->>'slot')::bigint, slot),
           fee = coalesce((result->>'fee')::bigint, fee),
           compute_units_consumed = coalesce((result->>'compute_units_consumed')::bigint,
                                             compute_units_consumed),
           error = coalesce(result->'error', error),
           logs = coalesce(ARRAY(SELECT jsonb_array_elements_text(result->'logs')), logs),
           updated_at = now()
     WHERE id = tx_id;
    IF s = 'failed' THEN
        PERFORM solana._transaction_split(tx_id);
    END IF;
END
$$;
COMMENT ON FUNCTION solana._transaction_result(bigint, jsonb) IS
    'internal: record confirmation, finalization or an on-chain failure with its logs';
REVOKE ALL ON FUNCTION solana._transaction_result(bigint, jsonb) FROM PUBLIC;

-- block_height: the current one; landed: whether getSignatureStatuses
-- knows the signature.  Expires only past last_valid_block_height and
-- when it never landed.
CREATE FUNCTION solana._transaction_expire(tx_id bigint, block_height bigint, landed boolean)
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    t solana.transactions;
BEGIN
    t := solana._transaction_lock(tx_id, ARRAY['signed', 'sent'], 'expire');
    IF landed OR block_height <= t.last_valid_block_height THEN
        RETURN false;
    END IF;
    UPDATE solana.transactions SET state = 'expired', updated_at = now() WHERE id = tx_id;
    RETURN true;
END
$$;
COMMENT ON FUNCTION solana._transaction_expire(bigint, bigint, boolean) IS
    'internal: mark expired once the block height passed last_valid_block_height and the signature never landed';
REVOKE ALL ON FUNCTION solana._transaction_expire(bigint, bigint, boolean) FROM PUBLIC;

-- the job of a transaction row: one attempt is used per step (part 62),
-- and an unexpected error is retried within seconds
CREATE FUNCTION solana._transaction_enqueue(tx_id bigint, batch_id bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    j bigint;
BEGIN
    j := solana.enqueue('solana_transactions', 'transaction',
                        jsonb_build_object('transaction_id', tx_id, 'batch_id', batch_id),
                        max_attempts => 1000000000);
    UPDATE solana.jobs SET backoff_base = '200 milliseconds', backoff_cap = '5 seconds'
     WHERE id = j;
    RETURN j;
END
$$;
REVOKE ALL ON FUNCTION solana._transaction_enqueue(bigint, bigint) FROM PUBLIC;

-- options.retry_individually: a failed transaction of several
-- instructions becomes one new intent per instruction
CREATE FUNCTION solana._transaction_split(tx_id bigint) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    t solana.transactions;
    b solana.transaction_batches;
    n integer := 0;
    next_seq integer;
    new_id bigint;
    i integer;
BEGIN
    SELECT * INTO t FROM solana.transactions WHERE id = tx_id;
    SELECT * INTO b FROM solana.transaction_batches WHERE id = t.batch_id;
    IF t.state <> 'failed' OR cardinality(t.instructions) < 2
       OR NOT coalesce((b.options->>'retry_individually')::boolean, false) THEN
        RETURN 0;
    END IF;
    SELECT max(seq) + 1 INTO next_seq FROM solana.transactions WHERE batch_id = t.batch_id;
    FOR i IN 1 .. cardinality(t.instructions) LOOP
        INSERT INTO solana.transactions (batch_id, seq, instructions, payer, signers, version,
                                         lookup_tables, compute_unit_limit, compute_unit_price,
                                         split_from, split_index)
        VALUES (t.batch_id, next_seq + n, ARRAY[t.instructions[i]], t.payer, t.signers, t.version,
                t.lookup_tables, t.compute_unit_limit, t.compute_unit_price, t.id, i)
        RETURNING id INTO new_id;
        PERFORM solana._transaction_enqueue(new_id, t.batch_id);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION solana._transaction_split(bigint) IS
    'internal: retry the instructions of a failed transaction one by one when the batch asks for it';
REVOKE ALL ON FUNCTION solana._transaction_split(bigint) FROM PUBLIC;

CREATE FUNCTION solana.submit_instructions(instructions solana.instruction[],
                                           signers text[] DEFAULT ARRAY['default'],
                                           options jsonb DEFAULT '{}')
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, solana AS $$
DECLARE
    payer solana.pubkey;
    b bigint;
    version text := coalesce(options->>'version', 'legacy');
    tables jsonb := options->'lookup_tables';
    -- both compute budget instructions are always counted, so that
    -- adding them at signing time never breaks the limit
    budget solana.instruction[] := ARRAY[solana.set_compute_unit_limit(0),
                                         solana.set_compute_unit_price(0)];
    cur solana.instruction[] := '{}';
    seq integer := 0;
    i integer;
    tx_id bigint;
    max_in_flight integer := (options->>'max_in_flight')::integer;

BEGIN
    IF instructions IS NULL OR cardinality(instructions) = 0 THEN
        RAISE EXCEPTION 'no instructions to submit' USING ERRCODE = '22023';
    END IF;
    IF signers IS NULL OR cardinality(signers) = 0 THEN
        RAISE EXCEPTION 'no signers given' USING ERRCODE = '22023',
            HINT = 'The first signer pays the fees.';
    END IF;
    IF NOT has_function_privilege(current_user, 'solana.sign_message(bytea, text[])', 'EXECUTE') THEN
        RAISE EXCEPTION 'permission denied to sign with %', array_to_string(signers, ', ')
            USING ERRCODE = '42501',
                  HINT = 'GRANT EXECUTE ON FUNCTION solana.sign_message(bytea, text[]) to the role.';
    END IF;
    payer := solana.keypair_pubkey(signers[1]);
    INSERT INTO solana.transaction_batches (signers, options)
    VALUES (submit_instructions.signers, options) RETURNING id INTO b;
    -- max_in_flight is applied at signing by the jobs (part 62)
    IF max_in_flight IS NOT NULL AND max_in_flight < 1 THEN
        RAISE EXCEPTION 'invalid max_in_flight: %', max_in_flight USING ERRCODE = '22023',
            HINT = 'Give a positive number of transactions.';
    END IF;

    FOR i IN 1 .. cardinality(instructions) + 1 LOOP
        IF i <= cardinality(instructions)
           AND solana.transaction_size(budget || cur || instructions[i], payer, tables, version) <= 1232 THEN
            cur := cur || instructions[i];
            CONTINUE;
        END IF;
        IF cardinality(cur) > 0 THEN
            INSERT INTO solana.transactions (batch_id, seq, instructions, payer, signers, version,
                                             lookup_tables, compute_unit_limit, compute_unit_price)
            VALUES (b, seq, cur, payer, submit_instructions.signers, version, tables,
                    (options->>'compute_unit_limit')::integer,
                    (options->>'compute_unit_price')::bigint)
            RETURNING id INTO tx_id;
            -- one job per transaction, run by the dispatcher (part 62)
            PERFORM solana._transaction_enqueue(tx_id, b);
            seq := seq + 1;
        END IF;
        EXIT WHEN i > cardinality(instructions);
        cur := ARRAY[instructions[i]];
        IF solana.transaction_size(budget || cur, payer, tables, version) > 1232 THEN
            RAISE EXCEPTION 'instruction % does not fit in a transaction', i
                USING ERRCODE = '54000',
                      DETAIL = format('Alone with the compute budget instructions it takes %s bytes; the limit is 1232.',
                                      solana.transaction_size(budget || cur, payer, tables, version));
        END IF;
    END LOOP;
    RETURN b;
END
$$;
COMMENT ON FUNCTION solana.submit_instructions(solana.instruction[], text[], jsonb) IS
    'pack instructions by bytes into as few transactions as fit 1232 bytes, record them as intents and queue one transaction job each; returns the batch id. options: compute_unit_limit, compute_unit_price, lookup_tables, version, max_in_flight, retry_individually, priority_fee_percentile, compute_unit_margin, skip_preflight, poll_ms, rebroadcast_ms, wait_finalized';

CREATE FUNCTION solana.batch_status(batch_id bigint)
RETURNS TABLE (id bigint, seq integer, state text, instructions integer, signature solana.signature,
               sends integer, signings integer, slot bigint, fee bigint,
               compute_units_consumed bigint, error jsonb, logs text[],
               split_from bigint, updated_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, solana AS $$
    SELECT t.id, t.seq, t.state, cardinality(t.instructions), t.signature, t.sends, t.signings,
           t.slot, t.fee, t.compute_units_consumed, t.error, t.logs, t.split_from, t.updated_at
      FROM solana.transactions t WHERE t.batch_id = batch_status.batch_id ORDER BY t.seq
$$;
COMMENT ON FUNCTION solana.batch_status(bigint) IS
    'the transactions of a batch in order, with state, signature, sends, slot, fee, compute units, error and logs';

CREATE VIEW solana.transaction_batch_summary AS
SELECT batch_id, count(*) AS transactions,
       count(*) FILTER (WHERE state IN ('intent', 'signed', 'sent', 'expired')) AS in_flight,
       count(*) FILTER (WHERE state IN ('confirmed', 'finalized')) AS landed,
       count(*) FILTER (WHERE state = 'failed') AS failed,
       sum(fee) AS fees, max(updated_at) AS updated_at
  FROM solana.transactions GROUP BY batch_id;
COMMENT ON VIEW solana.transaction_batch_summary IS
    'per batch: transactions, how many are in flight, landed and failed, and total fees';
-- pg_solana install script, part 62: the network side of the send
-- state machine, run by the dispatcher's `transaction` job kind.
--
-- A *step* is one JSON-RPC exchange of a transaction job.  The job's
-- payload names the step and holds the request (method, params) the
-- dispatcher sends, plus what the next steps need (blockhash, price,
-- unit limit).  When the answer is in, the dispatcher calls
-- solana._transaction_step inside its write-back transaction; it moves
-- the transaction row (part 61's checked transitions) and rewrites the
-- job's payload for the next step in that same transaction, then puts
-- the job back in the queue with solana.fail(retry_in).  The row and
-- the payload therefore never disagree after a crash: a lost answer
-- repeats its step, and every step is safe to repeat (sends carry the
-- same signed bytes; re-signing needs the row to be `expired`).
--
-- Steps:
--   begin     getLatestBlockhash (again after waiting for an in-flight slot)
--   fees      getRecentPrioritizationFees over the writable accounts
--   simulate  simulateTransaction (no signature check) for the unit limit
--   send      sendTransaction of the signed bytes (preflight on the
--             first send of a signing only)
--   status    getSignatureStatuses (searchTransactionHistory)
--   height    getBlockHeight: rebroadcast, or past last_valid_block_height
--   expire    getSignatureStatuses again once the height passed; still
--             unknown -> expired, then begin (re-sign with a new blockhash)
--   fetch     getTransaction: slot, fee, compute units, error, logs

-- base64 without the line breaks encode() puts every 76 characters
CREATE FUNCTION solana._base64(b bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, solana AS $$
    SELECT translate(encode(b, 'base64'), E'\n', '')
$$;
REVOKE ALL ON FUNCTION solana._base64(bytea) FROM PUBLIC;

-- the job's next payload for `step`; `extra` keeps blockhash and friends
CREATE FUNCTION solana._transaction_payload(p jsonb, step text, method text, params jsonb,
                                            extra jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, solana AS $$
    SELECT (p - 'step' - 'method' - 'params') || extra
           || jsonb_build_object('step', step, 'method', method, 'params', params)
$$;
REVOKE ALL ON FUNCTION solana._transaction_payload(jsonb, text, text, jsonb, jsonb) FROM PUBLIC;

-- put the job back in the queue with its next payload, due in delay_ms
CREATE FUNCTION solana._transaction_requeue(job_id bigint, p jsonb, delay_ms integer, note text)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
BEGIN
    UPDATE solana.jobs SET payload = p WHERE id = job_id;
    PERFORM solana.fail(job_id, note, make_interval(secs => greatest(delay_ms, 0) / 1000.0));
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION solana._transaction_requeue(bigint, jsonb, integer, text) FROM PUBLIC;

-- the unsigned wire form (zero signatures) of a row's message with the
-- given unit limit and price, for simulateTransaction
CREATE FUNCTION solana._transaction_unsigned(t solana.transactions, blockhash text)
RETURNS bytea LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    m bytea;
    n integer;
BEGIN
    m := solana.compile_message(solana._transaction_instructions(t), t.payer, blockhash,
                                t.lookup_tables, t.version);
    n := get_byte(m, CASE WHEN get_byte(m, 0) >= 128 THEN 1 ELSE 0 END);
    RETURN set_byte('\x00'::bytea, 0, n) || decode(repeat('00', 64 * n), 'hex') || m;
END
$$;
REVOKE ALL ON FUNCTION solana._transaction_unsigned(solana.transactions, text) FROM PUBLIC;

CREATE FUNCTION solana._transaction_step(job_id bigint, payload jsonb, body text,
                                         transport_error text)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    tx_id bigint := (payload->>'transaction_id')::bigint;
    step text := coalesce(payload->>'step', 'begin');
    t solana.transactions;
    opts jsonb;
    resp jsonb;
    res jsonb;
    err jsonb;
    v jsonb;
    poll_ms integer;
    rebroadcast_ms integer;
    limit_global integer;
    limit_batch integer;
    price bigint;
    units integer;
    h bigint;
    w bytea;
    st text;
    accounts text[];
    tmp solana.transactions;
    sig_params jsonb;
BEGIN
    SELECT * INTO t FROM solana.transactions WHERE id = tx_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('transaction_id', tx_id, 'error', 'transaction does not exist');
    END IF;
    IF t.state IN ('finalized', 'failed') THEN
        RETURN jsonb_build_object('transaction_id', tx_id, 'state', t.state,
                                  'signature', t.signature::text, 'slot', t.slot);
    END IF;
    SELECT options INTO opts FROM solana.transaction_batches WHERE id = t.batch_id;
    poll_ms := coalesce((opts->>'poll_ms')::integer, 400);
    rebroadcast_ms := coalesce((opts->>'rebroadcast_ms')::integer, 2000);
    sig_params := jsonb_build_array(jsonb_build_array(t.signature::text),
                                    jsonb_build_object('searchTransactionHistory', true));

    -- the row decides when the payload is behind it (a repeated job)
    IF t.state IN ('intent', 'expired') AND step NOT IN ('begin', 'fees', 'simulate') THEN
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'begin', 'getLatestBlockhash',
                                        '[{"commitment":"confirmed"}]'), 0, 'to be signed');
    ELSIF t.state IN ('signed', 'sent', 'confirmed') AND step IN ('begin', 'fees', 'simulate') THEN
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params),
            0, 'already signed');
    END IF;

    IF body IS NOT NULL THEN
        BEGIN
            resp := body::jsonb;
        EXCEPTION WHEN others THEN
            transport_error := 'invalid JSON-RPC response';
        END;
        res := resp->'result';
        err := resp->'error';
        IF res IS NULL AND err IS NULL THEN
            transport_error := coalesce(transport_error, 'invalid JSON-RPC response');
            resp := NULL;
        END IF;
    END IF;

    IF resp IS NULL THEN
        -- no answer: the request may or may not have reached the peer
        IF step = 'send' THEN
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params,
                                            '{"preflight": false}'),
                poll_ms, 'send: ' || coalesce(transport_error, 'no answer'));
        END IF;
        RETURN solana._transaction_requeue(job_id, payload, 1000,
                                           step || ': ' || coalesce(transport_error, 'no answer'));
    END IF;
    IF err IS NOT NULL AND step <> 'send' THEN
        RETURN solana._transaction_requeue(job_id, payload, 1000,
            format('%s: JSON-RPC error %s: %s', step, err->>'code', err->>'message'));
    END IF;

    IF step = 'begin' THEN
        payload := payload || jsonb_build_object(
            'blockhash', res->'value'->>'blockhash',
            'last_valid_block_height', (res->'value'->>'lastValidBlockHeight')::bigint,
            'compute_unit_price', t.compute_unit_price,
            'compute_unit_limit', t.compute_unit_limit);
        IF t.compute_unit_price IS NULL THEN
            SELECT array_agg(DISTINCT k) INTO accounts
              FROM (SELECT t.payer::text AS k
                    UNION ALL
                    SELECT (a).pubkey::text FROM unnest(t.instructions) i, unnest((i).accounts) a
                     WHERE (a).is_writable) s;
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'fees', 'getRecentPrioritizationFees',
                                            jsonb_build_array(to_jsonb(accounts[1:128]))),
                0, 'prioritization fees');
        END IF;
        step := 'fees_done';
    ELSIF step = 'fees' THEN
        SELECT percentile_disc(least(greatest(coalesce((opts->>'priority_fee_percentile')::float8, 50), 0), 100) / 100)
                   WITHIN GROUP (ORDER BY (e->>'prioritizationFee')::bigint)
          INTO price FROM jsonb_array_elements(CASE jsonb_typeof(res) WHEN 'array' THEN res ELSE '[]' END) e;
        payload := payload || jsonb_build_object('compute_unit_price', coalesce(price, 0));
        step := 'fees_done';
    END IF;

    IF step = 'fees_done' THEN
        IF payload->'compute_unit_limit' IS NULL OR payload->'compute_unit_limit' = 'null' THEN
            tmp := t;
            tmp.compute_unit_limit := 1400000;
            tmp.compute_unit_price := (payload->>'compute_unit_price')::bigint;
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'simulate', 'simulateTransaction',
                    jsonb_build_array(solana._base64(solana._transaction_unsigned(tmp, payload->>'blockhash')),
                                      '{"encoding":"base64","sigVerify":false,"replaceRecentBlockhash":true,"commitment":"confirmed"}'::jsonb)),
                0, 'simulating for the unit limit');
        END IF;
        step := 'sign';
    ELSIF step = 'simulate' THEN
        units := (res->'value'->>'unitsConsumed')::integer;
        IF units IS NULL OR coalesce(res->'value'->'err', 'null') <> 'null' THEN
            units := 400000;	-- the fallback: simulation failed or said nothing
        ELSE
            units := least(1400000, ceil(units * coalesce((opts->>'compute_unit_margin')::float8, 1.2))::integer + 300);
        END IF;
        payload := payload || jsonb_build_object('compute_unit_limit', units);
        step := 'sign';
    END IF;

    IF step = 'sign' THEN
        -- the concurrency limit: transactions signed and not yet landed
        limit_global := coalesce(nullif(current_setting('solana.max_in_flight_transactions', true), '')::integer, 0);
        limit_batch := (opts->>'max_in_flight')::integer;
        IF limit_global > 0 OR limit_batch IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext('solana.transactions in flight'));
            IF (limit_global > 0 AND (SELECT count(*) FROM solana.transactions
                                       WHERE state IN ('signed', 'sent')) >= limit_global)
               OR (limit_batch IS NOT NULL AND (SELECT count(*) FROM solana.transactions
                                                 WHERE batch_id = t.batch_id
                                                   AND state IN ('signed', 'sent')) >= limit_batch) THEN
                RETURN solana._transaction_requeue(job_id,
                    solana._transaction_payload(payload, 'begin', 'getLatestBlockhash',
                                                '[{"commitment":"confirmed"}]'), 250,
                                                   'waiting for an in-flight slot');
            END IF;
        END IF;
        BEGIN
            w := solana._transaction_sign(tx_id, payload->>'blockhash',
                                          (payload->>'last_valid_block_height')::bigint,
                                          (payload->>'compute_unit_limit')::integer,
                                          (payload->>'compute_unit_price')::bigint);
        EXCEPTION WHEN unique_violation THEN
            -- the same message under the same blockhash as another row:
            -- the cluster would take it for a duplicate; wait for a new one
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'begin', 'getLatestBlockhash',
                                            '[{"commitment":"confirmed"}]'), 500,
                'same signature as another transaction: waiting for a new blockhash');
        END;
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload - 'compute_unit_limit' - 'compute_unit_price', 'send', 'sendTransaction',
                jsonb_build_array(solana._base64(w),
                                  jsonb_build_object('encoding', 'base64',
                                                     'skipPreflight', coalesce((opts->>'skip_preflight')::boolean, false),
                                                     'preflightCommitment', 'confirmed', 'maxRetries', 0)),
                jsonb_build_object('preflight', NOT coalesce((opts->>'skip_preflight')::boolean, false),
                                   'last_try_ms', (extract(epoch FROM clock_timestamp()) * 1000)::bigint)),
            0, 'signed');
    END IF;

    IF step = 'send' THEN
        IF err IS NULL THEN
            PERFORM solana._transaction_sent(tx_id);
        ELSIF coalesce((payload->>'preflight')::boolean, false)
              AND ((err->>'code') = '-32003'
                   OR ((err->>'code') = '-32002'
                       AND coalesce(err->'data'->>'err', '') !~ '(BlockhashNotFound|AlreadyProcessed)')) THEN
            -- preflight refused it: never forwarded, can never land
            PERFORM solana._transaction_result(tx_id, jsonb_build_object(
                'state', 'failed',
                'error', jsonb_build_object('preflight', coalesce(err->'data'->'err', to_jsonb(err->>'message')),
                                            'code', err->'code', 'message', err->>'message'),
                'compute_units_consumed', err->'data'->'unitsConsumed',
                'logs', coalesce(err->'data'->'logs', '[]')));
            RETURN jsonb_build_object('transaction_id', tx_id, 'state', 'failed',
                                      'signature', t.signature::text);
        END IF;
        -- sent or not (a refused send counts as not sent): watch the status
        payload := payload || jsonb_build_object('last_try_ms', (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params,
                                        '{"preflight": false}'),
            poll_ms, CASE WHEN err IS NULL THEN 'sent' ELSE
                         format('send: JSON-RPC error %s: %s', err->>'code', err->>'message') END);
    END IF;

    IF step IN ('status', 'expire') THEN
        v := res->'value'->0;
        IF v IS NULL OR v = 'null' THEN
            IF step = 'expire' THEN
                IF solana._transaction_expire(tx_id, (payload->>'block_height')::bigint, false) THEN
                    RETURN solana._transaction_requeue(job_id,
                        solana._transaction_payload(payload, 'begin', 'getLatestBlockhash',
                                                    '[{"commitment":"confirmed"}]'),
                        0, 'expired: to be signed again');
                END IF;
            ELSIF t.state = 'confirmed' THEN
                NULL;			-- known landed: keep waiting for finalization
            ELSIF (extract(epoch FROM clock_timestamp()) * 1000)::bigint
                  - coalesce((payload->>'last_try_ms')::bigint, 0) >= rebroadcast_ms THEN
                RETURN solana._transaction_requeue(job_id,
                    solana._transaction_payload(payload, 'height', 'getBlockHeight',
                                                '[{"commitment":"confirmed"}]'),
                    0, 'not landed yet');
            END IF;
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params),
                poll_ms, 'not landed yet');
        END IF;
        st := v->>'confirmationStatus';
        IF t.state = 'confirmed' AND st = 'finalized' THEN
            PERFORM solana._transaction_result(tx_id, '{"state": "finalized"}');
            RETURN jsonb_build_object('transaction_id', tx_id, 'state', 'finalized',
                                      'signature', t.signature::text, 'slot', t.slot);
        ELSIF t.state <> 'confirmed'
              AND (coalesce(v->'err', 'null') <> 'null' OR st IN ('confirmed', 'finalized')) THEN
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'fetch', 'getTransaction',
                    jsonb_build_array(t.signature::text,
                        '{"encoding":"json","commitment":"confirmed","maxSupportedTransactionVersion":0}'::jsonb),
                    jsonb_build_object('status', st)),
                0, 'landed: ' || coalesce(st, 'unknown'));
        END IF;
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params),
            CASE WHEN t.state = 'confirmed' THEN greatest(poll_ms, 1000) ELSE poll_ms END,
            'landed: ' || coalesce(st, 'unknown'));
    END IF;

    IF step = 'height' THEN
        h := (res #>> '{}')::bigint;
        IF h > t.last_valid_block_height THEN
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'expire', 'getSignatureStatuses', sig_params,
                                            jsonb_build_object('block_height', h)),
                0, format('block height %s passed %s', h, t.last_valid_block_height));
        END IF;
        -- rebroadcast the same signed bytes
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'send', 'sendTransaction',
                jsonb_build_array(solana._base64(t.wire),
                                  '{"encoding":"base64","skipPreflight":true,"maxRetries":0}'::jsonb)),
            0, 'rebroadcast');
    END IF;

    IF step = 'fetch' THEN
        IF res IS NULL OR res = 'null' THEN
            RETURN solana._transaction_requeue(job_id, payload, poll_ms, 'getTransaction: not visible yet');
        END IF;
        st := CASE WHEN coalesce(res->'meta'->'err', 'null') <> 'null' THEN 'failed'
                   WHEN payload->>'status' = 'finalized' THEN 'finalized'
                   ELSE 'confirmed' END;
        PERFORM solana._transaction_result(tx_id, jsonb_strip_nulls(jsonb_build_object(
            'state', st, 'slot', res->'slot', 'fee', res->'meta'->'fee',
            'compute_units_consumed', res->'meta'->'computeUnitsConsumed',
            'error', CASE WHEN st = 'failed' THEN res->'meta'->'err' END,
            'logs', coalesce(res->'meta'->'logMessages', '[]'))));
        IF st = 'confirmed' AND coalesce((opts->>'wait_finalized')::boolean, true) THEN
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params),
                greatest(poll_ms, 1000), 'confirmed: waiting for finalization');
        END IF;
        RETURN jsonb_build_object('transaction_id', tx_id, 'state', st,
                                  'signature', t.signature::text, 'slot', res->'slot');
    END IF;

    RAISE EXCEPTION 'invalid transaction job step: "%"', step USING ERRCODE = '22023',
        HINT = 'Valid steps are begin, fees, simulate, send, status, height, expire and fetch.';
END
$$;
COMMENT ON FUNCTION solana._transaction_step(bigint, jsonb, text, text) IS
    'internal: the dispatcher''s transaction job kind: record one JSON-RPC answer on the transaction row and queue the next step';
REVOKE ALL ON FUNCTION solana._transaction_step(bigint, jsonb, text, text) FROM PUBLIC;
-- pg_solana install script, part 90: scaling readers out (issue 10).
--
-- Logical replication sends UPDATEs and DELETEs with the row's *replica
-- identity*.  solana.events rows change after they land (commitment
-- promotion, redecode), so the events root and every partition use the
-- unique key (signature, log_index, slot); the append-only
-- solana.price_history partitions use FULL.  Partitions made later by
-- solana.create_event_partitions or create_price_history_partitions
-- start without one: run solana.set_replica_identity() after creating
-- partitions (on the publisher and on each subscriber).  See
-- docs/operations.md.

CREATE FUNCTION solana.set_replica_identity()
    RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    root_idx regclass;
    p record;
    changed int := 0;
BEGIN
    SELECT x.indexrelid::regclass INTO root_idx
      FROM pg_index x
     WHERE x.indrelid = 'solana.events'::regclass AND x.indisunique
       AND x.indpred IS NULL
     ORDER BY x.indexrelid
     LIMIT 1;
    IF root_idx IS NULL THEN
        RAISE EXCEPTION 'solana.events has no unique index to use as replica identity'
            USING ERRCODE = '55000';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_index
                    WHERE indexrelid = root_idx AND indisreplident) THEN
        EXECUTE format('ALTER TABLE solana.events REPLICA IDENTITY USING INDEX %I',
                       (SELECT relname FROM pg_class WHERE oid = root_idx));
        changed := changed + 1;
    END IF;
    -- each partition's index attached to the root's unique index
    FOR p IN
        SELECT c.oid::regclass AS part, ic.relname AS idx
          FROM pg_inherits ii
          JOIN pg_class ic ON ic.oid = ii.inhrelid
          JOIN pg_index x ON x.indexrelid = ic.oid
          JOIN pg_class c ON c.oid = x.indrelid
         WHERE ii.inhparent = root_idx AND NOT x.indisreplident
    LOOP
        EXECUTE format('ALTER TABLE %s REPLICA IDENTITY USING INDEX %I', p.part, p.idx);
        changed := changed + 1;
    END LOOP;
    FOR p IN
        SELECT c.oid::regclass AS part
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'solana.price_history'::regclass
           AND c.relreplident <> 'f'
    LOOP
        EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', p.part);
        changed := changed + 1;
    END LOOP;
    RETURN changed;
END
$$;
COMMENT ON FUNCTION solana.set_replica_identity() IS
    'give solana.events (root and partitions: the unique key) and the solana.price_history partitions (FULL) a replica identity, so that logical replication carries UPDATEs and DELETEs; run after creating partitions, on publisher and subscribers; returns how many tables changed';
REVOKE ALL ON FUNCTION solana.set_replica_identity() FROM PUBLIC;
-- pg_solana install script, part 95: the sources of webhook deliveries
-- (issue 7), after every piece that creates a source table.  Triggers
-- on solana.events, solana.jobs, solana.prices and solana.transactions
-- insert deliveries for the matching webhooks in the writing
-- transaction, so a rolled-back row sends nothing and a committed one is
-- never missed.  Each source is attached only when its table exists;
-- another table can be attached with solana._webhook_attach(table,
-- event_type, id_expression).

-- deliveries for `n` candidate messages (message_id, program, name,
-- payload) of type `t`, for every enabled webhook whose filter matches
CREATE FUNCTION solana._webhook_fanout(t text, msgs jsonb) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, solana
AS $$
    INSERT INTO solana.webhook_deliveries (webhook_id, message_id, event_type, payload)
    SELECT w.id, m->>'id', t, m->'payload'
      FROM jsonb_array_elements(msgs) m
      JOIN solana.webhooks w
        ON w.enabled AND t = ANY (w.event_types)
       AND (w.program_ids IS NULL OR (m->>'program')::solana.pubkey = ANY (w.program_ids))
       AND (w.event_names IS NULL OR m->>'name' = ANY (w.event_names))
       AND (w.payload_filter IS NULL OR m->'payload' @> w.payload_filter)
    ON CONFLICT DO NOTHING
$$;
COMMENT ON FUNCTION solana._webhook_fanout(text, jsonb) IS
    'insert deliveries of messages [{id, program, name, payload}] of one type for every matching enabled webhook';
REVOKE ALL ON FUNCTION solana._webhook_fanout(text, jsonb) FROM PUBLIC;

-- solana.events: one message per event, id evt_<signature>_<log_index>
CREATE FUNCTION solana._webhook_from_events() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks WHERE enabled AND 'event' = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    PERFORM solana._webhook_fanout('event', (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', 'evt_' || e.signature::text || '_' || e.log_index,
                   'program', e.program_id::text,
                   'name', e.event_name,
                   'payload', jsonb_build_object(
                       'type', 'event',
                       'program', e.program_id::text,
                       'signature', e.signature::text,
                       'slot', e.slot,
                       'log_index', e.log_index,
                       'block_time', e.block_time,
                       'commitment', e.commitment,
                       'tx_failed', e.tx_failed,
                       'event', jsonb_build_object('name', e.event_name, 'data', e.data),
                       'raw', encode(e.raw, 'base64')))
                   ORDER BY e.slot, e.signature, e.log_index)
          FROM new_rows e))
     WHERE EXISTS (SELECT 1 FROM new_rows);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_events() IS
    'trigger: webhook deliveries for newly inserted solana.events rows';
REVOKE ALL ON FUNCTION solana._webhook_from_events() FROM PUBLIC;

-- solana.jobs: one message when a job finishes (succeeded, dead,
-- cancelled), id job_<id>_<state>
CREATE FUNCTION solana._webhook_from_jobs() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks WHERE enabled AND 'job' = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    PERFORM solana._webhook_fanout('job', (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', 'job_' || j.id || '_' || j.state,
                   'name', j.kind,
                   'payload', jsonb_build_object(
                       'type', 'job', 'id', j.id, 'queue', j.queue, 'kind', j.kind,
                       'state', j.state, 'attempts', j.attempts, 'result', j.result,
                       'error', j.last_error, 'finished_at', j.finished_at))
                   ORDER BY j.id)
          FROM new_rows j JOIN old_rows o ON o.id = j.id
         WHERE j.state IN ('succeeded', 'dead', 'cancelled') AND o.state IS DISTINCT FROM j.state))
     WHERE EXISTS (SELECT 1 FROM new_rows);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_jobs() IS
    'trigger: webhook deliveries for jobs that just finished';
REVOKE ALL ON FUNCTION solana._webhook_from_jobs() FROM PUBLIC;

-- any other table: payload {"type": t, "row": to_jsonb(row)}, id
-- <t>_<id_expression evaluated on the row>
CREATE FUNCTION solana._webhook_from_rows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    t text := TG_ARGV[0];
    id_expr text := TG_ARGV[1];
    msgs jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks WHERE enabled AND t = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    EXECUTE format($q$
        SELECT jsonb_agg(jsonb_build_object('id', %L || '_' || (%s)::text,
                                            'payload', jsonb_build_object('type', %L, 'row', to_jsonb(r))))
          FROM new_rows r$q$, t, id_expr, t)
       INTO msgs;
    IF msgs IS NOT NULL THEN
        PERFORM solana._webhook_fanout(t, msgs);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_rows() IS
    'trigger: webhook deliveries for inserted rows of a table attached with solana._webhook_attach';
REVOKE ALL ON FUNCTION solana._webhook_from_rows() FROM PUBLIC;

CREATE FUNCTION solana._webhook_attach(source regclass, event_type text, id_expression text)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_rows(%L, %L)',
                   'webhooks_' || event_type, source, event_type, id_expression);
END
$$;
COMMENT ON FUNCTION solana._webhook_attach(regclass, text, text) IS
    'make inserts into a table produce webhook messages of a type, with message ids <type>_<id_expression on r>';
REVOKE ALL ON FUNCTION solana._webhook_attach(regclass, text, text) FROM PUBLIC;

-- solana.prices: one message per published price (insert or update),
-- id price_<feed>_<published_at in microseconds>
CREATE FUNCTION solana._webhook_from_prices() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks WHERE enabled AND 'price' = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    PERFORM solana._webhook_fanout('price', (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', 'price_' || regexp_replace(p.feed, '[^!-~]', '_', 'g') || '_'
                         || (extract(epoch FROM p.published_at) * 1000000)::bigint,
                   'name', p.feed,
                   'payload', jsonb_build_object('type', 'price') || to_jsonb(p))
                   ORDER BY p.feed)
          FROM new_rows p))
     WHERE EXISTS (SELECT 1 FROM new_rows);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_prices() IS
    'trigger: webhook deliveries for published prices';
REVOKE ALL ON FUNCTION solana._webhook_from_prices() FROM PUBLIC;

-- solana.transactions: one message when a transaction reaches a final
-- state (confirmed, finalized, failed, expired), id tx_<id>_<state>
CREATE FUNCTION solana._webhook_from_transactions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks WHERE enabled AND 'transaction' = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    PERFORM solana._webhook_fanout('transaction', (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', 'tx_' || t.id || '_' || t.state,
                   'payload', jsonb_build_object(
                       'type', 'transaction', 'id', t.id, 'batch_id', t.batch_id,
                       'state', t.state, 'signature', t.signature::text, 'slot', t.slot,
                       'fee', t.fee, 'error', t.error))
                   ORDER BY t.id)
          FROM new_rows t JOIN old_rows o ON o.id = t.id
         WHERE t.state IN ('confirmed', 'finalized', 'failed', 'expired')
           AND o.state IS DISTINCT FROM t.state))
     WHERE EXISTS (SELECT 1 FROM new_rows);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_transactions() IS
    'trigger: webhook deliveries for transactions that reached a final state';
REVOKE ALL ON FUNCTION solana._webhook_from_transactions() FROM PUBLIC;

DO $attach$
BEGIN
    IF to_regclass('solana.events') IS NOT NULL THEN
        CREATE TRIGGER webhooks_event AFTER INSERT ON solana.events
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_events();
    END IF;
    IF to_regclass('solana.jobs') IS NOT NULL THEN
        CREATE TRIGGER webhooks_job AFTER UPDATE ON solana.jobs
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_jobs();
    END IF;
    IF to_regclass('solana.prices') IS NOT NULL THEN
        CREATE TRIGGER webhooks_price_insert AFTER INSERT ON solana.prices
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_prices();
        CREATE TRIGGER webhooks_price_update AFTER UPDATE ON solana.prices
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_prices();
    END IF;
    IF to_regclass('solana.transactions') IS NOT NULL THEN
        CREATE TRIGGER webhooks_transaction AFTER UPDATE ON solana.transactions
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_transactions();
    END IF;
END
$attach$;
-- pg_solana install script, part 99: backups.
--
-- Tables created by an extension script are extension members, and
-- pg_dump leaves out the data of member tables unless they are marked
-- with pg_extension_config_dump.  Every table here holds user data
-- (events, jobs, accounts, keys, prices, ...), so this last piece marks
-- all member tables, partitioned parents, install-time partitions and
-- sequences: a plain pg_dump / pg_restore then carries the data and the
-- sequence positions.  Partitions the workers create later are not
-- members and are dumped like any table.  A pg_regress check
-- (sql/backup.sql) fails when a new table is added without this.

DO $dump$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN
        SELECT c.oid::regclass
          FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_class c ON c.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_class'::regclass
           AND d.refclassid = 'pg_catalog.pg_extension'::regclass
           AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'pg_solana')
           AND d.deptype = 'e'
           AND c.relkind IN ('r', 'p', 'S')
         ORDER BY c.oid
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(rel, '');
    END LOOP;
END
$dump$;
