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
