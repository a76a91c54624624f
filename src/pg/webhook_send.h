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
 * solana_webhooks_claim claims due deliveries (up to twice
 * solana.webhook_concurrency in total and each endpoint's limits; a
 * `budget` of 0 or less claims nothing) in one transaction, signs them
 * and adds as many requests to `multi` as the limits allow, queueing the
 * rest.  Returns how many it claimed.  Skips the database while nothing
 * is due.
 */
extern int	solana_webhooks_claim(CURLM *multi, int budget);

/* true when a finished request is a webhook delivery of ours */
extern bool solana_webhooks_owns(const solana_http_req *req);

/*
 * solana_webhooks_done takes a finished request of ours (collected and
 * removed from the multi): notes its outcome and frees it.
 */
extern void solana_webhooks_done(solana_http_req *req);

/*
 * solana_webhooks_flush records the noted outcomes and claims what the
 * freed room allows, in one transaction; returns the outcomes written.
 */
extern int	solana_webhooks_flush(void);

/* solana_webhooks_wake forgets the cached due time (new work committed) */
extern void solana_webhooks_wake(void);

/* milliseconds until a delivery may be due, at most `cap_ms` */
extern long solana_webhooks_next_ms(long cap_ms);

/* requests in flight */
extern int	solana_webhooks_in_flight(void);

#endif							/* SOLANA_WEBHOOK_SEND_H */
