/*
 * webhook_send.h
 *	  The dispatcher's webhook path (webhook_send.c).  All of these run
 *	  in the dispatcher process, outside any transaction, between its
 *	  waits on the shared libcurl multi handle.
 */
#ifndef SOLANA_WEBHOOK_SEND_H
#define SOLANA_WEBHOOK_SEND_H

#include "worker_common.h"

/*
 * solana_webhooks_claim claims up to `budget` due deliveries (within
 * solana.webhook_concurrency in total and each endpoint's limits) in one
 * transaction, signs them and adds their requests to `multi`.  Returns
 * how many it started.  Skips the database while nothing is due.
 */
extern int	solana_webhooks_claim(CURLM *multi, int budget);

/* true when a finished request is a webhook delivery of ours */
extern bool solana_webhooks_owns(const solana_http_req *req);

/*
 * solana_webhooks_done takes a finished request of ours (collected and
 * removed from the multi): notes its outcome and frees it.
 */
extern void solana_webhooks_done(solana_http_req *req);

/* solana_webhooks_flush records the noted outcomes (one transaction). */
extern int	solana_webhooks_flush(void);

/* solana_webhooks_wake forgets the cached due time (new work committed) */
extern void solana_webhooks_wake(void);

/* milliseconds until a delivery may be due, at most `cap_ms` */
extern long solana_webhooks_next_ms(long cap_ms);

/* requests in flight */
extern int	solana_webhooks_in_flight(void);

#endif							/* SOLANA_WEBHOOK_SEND_H */
