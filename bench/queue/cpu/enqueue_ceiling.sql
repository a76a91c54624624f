INSERT INTO bench_hw (payload) VALUES ('{"i": 1}'::jsonb) RETURNING id;
