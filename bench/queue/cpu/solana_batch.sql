SELECT array_agg(id) AS ids FROM solana.claim(:queue, NULL, 10) \gset
SELECT solana.complete_batch(:ids::bigint[]);
