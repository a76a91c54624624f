-- pg_solana 0.1.0 -> 0.2.0 upgrade script.
--
-- Every change made to sql/install/ since 0.1.0 was frozen must also be
-- written here, so that ALTER EXTENSION pg_solana UPDATE gives the same
-- catalog as a fresh CREATE EXTENSION.  test: sql/upgrade.sql (pg_regress)
-- installs 0.1.0, stores data, updates, and compares both catalogs.

\echo Use "ALTER EXTENSION pg_solana UPDATE TO '0.2.0'" to load this file. \quit
