#!/usr/bin/env bash
# wait for pg_cron's first run of the three jobs (they run at the top of each minute)
set -euo pipefail
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
ran="SELECT count(DISTINCT j.jobname) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
      WHERE j.jobname LIKE 'solana-%' AND d.status IN ('succeeded', 'failed')"
for i in $(seq 1 90); do
    n=$(q "$ran")
    [ "$n" -ge 3 ] && break
    [ $((i % 10)) = 1 ] && echo "  $n of 3 jobs have run; the next minute starts in $((60 - $(date +%S | sed 's/^0//'))) s"
    sleep 1
done
echo "pg_cron ran $(q "$ran") of the 3 solana jobs"
