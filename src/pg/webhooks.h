/*
 * webhooks.h
 *	  Webhook delivery (issue 7): settings and the SSRF guard shared by
 *	  webhooks.c (SQL functions) and the dispatcher's webhook path.
 */
#ifndef SOLANA_WEBHOOKS_H
#define SOLANA_WEBHOOKS_H

#include <stdbool.h>
#include <sys/socket.h>

#include "ps_webhook.h"

/* GUCs (webhooks.c) */
extern bool solana_webhook_allow_private;
extern char *solana_webhook_allowed_hosts;
extern int	solana_webhook_max_response_bytes;
extern int	solana_webhook_concurrency;

/* solana_webhooks_init_gucs defines the solana.webhook_* settings. */
extern void solana_webhooks_init_gucs(void);

/*
 * solana_webhook_host_allowed says whether `host` (a URL's host name) is
 * listed in solana.webhook_allowed_hosts.  Backend or worker only.
 */
extern bool solana_webhook_host_allowed(const char *host);

/*
 * solana_webhook_sockaddr_allowed is the SSRF guard: true for public
 * addresses, and for any address when solana.webhook_allow_private is
 * on.  Sets *class_opt to the address class.  Never allocates or
 * raises, so libcurl callbacks may call it.
 */
extern bool solana_webhook_sockaddr_allowed(const struct sockaddr *sa,
											ps_addr_class_t *class_opt);

#endif							/* SOLANA_WEBHOOKS_H */
