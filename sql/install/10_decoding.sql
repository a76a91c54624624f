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
