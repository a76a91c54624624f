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
