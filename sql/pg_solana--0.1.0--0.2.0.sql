-- pg_solana 0.1.0 -> 0.2.0 upgrade script.
--
-- Every change made to sql/install/ since 0.1.0 was frozen must also be
-- written here, so that ALTER EXTENSION pg_solana UPDATE gives the same
-- catalog as a fresh CREATE EXTENSION.  test: sql/upgrade.sql (pg_regress)
-- installs 0.1.0, stores data, updates, and compares both catalogs.

\echo Use "ALTER EXTENSION pg_solana UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------
-- ingest (issue 5): new event partitions get their replica identity
-- ---------------------------------------------------------------------
CREATE OR REPLACE FUNCTION solana.create_event_partitions(from_slot bigint, to_slot bigint)
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
    -- new partitions start without a replica identity: give them the
    -- unique key, so logical replication carries their UPDATEs/DELETEs
    IF made > 0 THEN
        PERFORM solana.set_replica_identity();
    END IF;
    RETURN made;
END
$$;
COMMENT ON FUNCTION solana.create_event_partitions(bigint, bigint) IS
    'create the solana.events partitions (one epoch, 432000 slots, each) covering from_slot..to_slot, with their replica identity (solana.set_replica_identity); returns how many were created';
