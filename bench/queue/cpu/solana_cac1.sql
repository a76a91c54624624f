SELECT coalesce(array_agg(id), '{}') AS ids FROM solana.complete_and_claim(:queue, :ids::bigint[], NULL, NULL, 1) \gset
