/*
 * webhook_limits.h
 *	  Per-endpoint in-flight counts shared by every dispatcher
 *	  (webhook_limits.c), so that a webhook's max_in_flight holds across
 *	  solana.dispatcher_workers > 1.
 */
#ifndef SOLANA_WEBHOOK_LIMITS_H
#define SOLANA_WEBHOOK_LIMITS_H

#include "postgres.h"

/*
 * solana_webhook_limits_init requests the shared table when preloading;
 * called once from _PG_init.
 */
extern void solana_webhook_limits_init(void);

/*
 * solana_webhook_limits_begin takes the table's lock for a run of
 * solana_webhook_limits_take calls, which must end with
 * solana_webhook_limits_end.  Without the shared table (not preloaded)
 * the counts are this process's own.  Nothing between begin and end may
 * raise an error.
 */
extern void solana_webhook_limits_begin(void);

/*
 * solana_webhook_limits_take counts one more request of this process to
 * `webhook_id` and returns true when all processes together have fewer
 * than `max_cnt` running; else counts nothing and returns false.
 */
extern bool solana_webhook_limits_take(int64 webhook_id, int max_cnt);

/*
 * solana_webhook_limits_end releases the lock; `waiting` says that this
 * process holds requests back for a full endpoint, so that another
 * process finishing one of that endpoint's requests sets our latch.
 */
extern void solana_webhook_limits_end(bool waiting);

/*
 * solana_webhook_limits_release uncounts one finished request of this
 * process to `webhook_id` and wakes the processes that wait for room.
 */
extern void solana_webhook_limits_release(int64 webhook_id);

#endif							/* SOLANA_WEBHOOK_LIMITS_H */
