SELECT id AS jid FROM solana.claim(:queue) \gset
SELECT solana.complete(:jid);
