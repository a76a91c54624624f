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
