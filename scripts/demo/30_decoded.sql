-- events land decoded in solana.events (CPI depth, emit_cpi!, exact wide integers)
\pset footer off
SELECT e.event_name, p.name AS program, e.depth, e.log_index, e.data
  FROM solana.events AS e
  JOIN solana.programs AS p USING (program_id)
 WHERE e.event_name IN ('OrderCancelled', 'WideInts', 'Empty', 'LegacyTransfer')
   AND e.signature IN (SELECT signature FROM solana.events
                        WHERE event_name IN ('WideInts', 'LegacyTransfer')
                        ORDER BY slot LIMIT 2)
 ORDER BY e.slot, e.log_index;
SELECT p.name AS program, e.event_name, count(*) AS events, max(e.slot) AS last_slot
  FROM solana.events AS e JOIN solana.programs AS p USING (program_id)
 GROUP BY 1, 2 ORDER BY 1, 2;
