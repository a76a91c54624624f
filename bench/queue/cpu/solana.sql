SELECT id AS jid FROM solana.claim('bench') \gset
SELECT solana.complete(:jid);
