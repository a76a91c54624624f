-- register the fixture IDLs and subscribe to their programs
\pset footer off
-- solana on the search path of every new session, for the demo and for exploring
ALTER DATABASE postgres SET search_path = "$user", public, solana;
\set dex `cat test/peer/fixtures/idl/fixture_dex.json`
\set vault `cat test/peer/fixtures/idl/fixture_vault.json`
\set legacy `cat test/peer/fixtures/idl/fixture_legacy.json`
\set fuzz `cat test/peer/fixtures/idl/fixture_fuzz.json`
-- legacy (pre-0.30) IDLs carry no address: name the program id
SELECT solana.register_program(:'dex'::jsonb) AS dex,
       solana.register_program(:'vault'::jsonb) AS vault,
       solana.register_program(:'legacy'::jsonb, 'Cep2LatNRYenCkoBSYVyL2SG6JD7C2gw2qJfS56MoJPb') AS legacy,
       solana.register_program(:'fuzz'::jsonb) AS fuzz
\gx
-- the ingest worker picks the subscriptions up when this commits
SELECT solana.subscribe('logs', program_id) AS subscription, name
  FROM solana.programs ORDER BY name;
