/*
 * txn_send.h
 *	  The dispatcher's `transaction` job kind (txn_send.c): the network
 *	  side of the durable send state machine of solana.transactions.
 */
#ifndef SOLANA_TXN_SEND_H
#define SOLANA_TXN_SEND_H

#include "postgres.h"

#include "utils/jsonb.h"

/* solana.max_in_flight_transactions */
extern int	solana_max_in_flight_transactions;

/* defines the GUCs of this file; called once from _PG_init */
extern void solana_txn_send_init(void);

/*
 * solana_transaction_request gives the JSON-RPC method and params (JSON
 * text) of the step a transaction job's `payload` names: the first
 * step, getLatestBlockhash, when it names none.  Runs outside any
 * transaction.
 */
extern void solana_transaction_request(Jsonb *payload, const char **method,
									   char **params);

/*
 * solana_transaction_step records the answer to one step of job
 * `job_id`: the response `body` (NULL when the exchange failed, with
 * `error` saying why) goes to solana._transaction_step, which moves the
 * transaction row and queues the job's next step in the current
 * transaction.  Returns the job's result as JSON text ("null" when the
 * job went back to the queue).  Needs SPI; may raise.
 */
extern char *solana_transaction_step(int64 job_id, Jsonb *payload,
									 const char *body, size_t body_len,
									 const char *error);

#endif							/* SOLANA_TXN_SEND_H */
