SELECT solana.enqueue(:queue, 'noop', '{"i": 1}'::jsonb);
