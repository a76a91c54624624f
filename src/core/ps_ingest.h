/*
 * ps_ingest.h
 *	  The pure parts of the ingest worker: pubsub notifications and
 *	  JSON-RPC answers parsed into flat structs, subscription and
 *	  backfill requests built as text, and the backfill paging plan.
 *
 * Vocabulary: a *message* is one WebSocket text frame from the pubsub
 * endpoint (a reply to our request or a notification); a *transaction*
 * here is what the worker needs of one: signature, slot, block time,
 * failure, log lines and (from getTransaction only) the emit_cpi!
 * inner instructions; an *account* is one account state.  A *page* is
 * one getSignaturesForAddress answer, newest first.
 *
 * JSON is parsed with jansson after every number token has been turned
 * into a tagged string, so integers wider than 64 bits (rentEpoch is
 * 2^64 - 1 on most accounts) never make a message unreadable; numeric
 * fields are then read exactly.  Parsed structs own their memory
 * (malloc); free them with the matching _free function, also after a
 * failed parse.
 */
#ifndef PS_INGEST_H
#define PS_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ps_buf.h"

#define PS_INGEST_MSG_MAX		(16 * 1024 * 1024)	/* largest message accepted */
#define PS_INGEST_LOGS_MAX		65536	/* log lines per transaction */
#define PS_INGEST_BATCH_MAX		256 /* elements of a batch answer read */
#define PS_INGEST_ERRTEXT_MAX	512 /* error text kept, with nul */

typedef enum ps_ingest_kind_t
{
	PS_INGEST_OTHER = 0,		/* valid JSON-RPC we do not act on */
	PS_INGEST_REPLY,			/* {"id": n, "result": ...} */
	PS_INGEST_ERROR,			/* {"id": n|null, "error": {...}} */
	PS_INGEST_LOGS,				/* logsNotification */
	PS_INGEST_ACCOUNT,			/* accountNotification */
	PS_INGEST_PROGRAM			/* programNotification */
} ps_ingest_kind_t;

/* one emit_cpi! inner instruction (data starts with the event tag) */
typedef struct ps_ingest_cpi_t
{
	uint8_t		program_id[32];
	int			depth;			/* stackHeight, 2 when absent */
	int			position;		/* 0-based among all inner instructions */
	uint8_t    *data;			/* instruction data, tag included */
	size_t		data_sz;
} ps_ingest_cpi_t;

typedef struct ps_ingest_tx_t
{
	uint8_t		signature[64];
	uint64_t	slot;
	bool		has_block_time;
	int64_t		block_time;		/* unix seconds */
	bool		failed;			/* meta.err / value.err not null */
	char	   *err_json;		/* the err value as JSON text, NULL if none */
	bool		has_logs;		/* false when logMessages is null */
	char	  **logs;			/* nul-terminated lines */
	size_t		logs_cnt;
	ps_ingest_cpi_t *cpis;
	size_t		cpis_cnt;
} ps_ingest_tx_t;

typedef struct ps_ingest_account_t
{
	uint8_t		pubkey[32];		/* programNotification only */
	uint8_t		owner[32];
	uint64_t	lamports;
	bool		executable;
	char		rent_epoch[24]; /* decimal text ("" when absent) */
	uint8_t    *data;
	size_t		data_sz;
} ps_ingest_account_t;

typedef struct ps_ingest_msg_t
{
	ps_ingest_kind_t kind;
	bool		has_id;
	int64_t		id;				/* REPLY, ERROR: the request id */
	int64_t		result;			/* REPLY: integer result (subscription id) */
	bool		result_is_int;
	int64_t		err_code;		/* ERROR */
	char		err_text[PS_INGEST_ERRTEXT_MAX];
	int64_t		subscription;	/* notifications */
	uint64_t	slot;			/* notifications: context.slot */
	ps_ingest_tx_t tx;			/* LOGS */
	ps_ingest_account_t account;	/* ACCOUNT, PROGRAM */
} ps_ingest_msg_t;

/* one entry of a getSignaturesForAddress page */
typedef struct ps_ingest_sig_t
{
	uint8_t		signature[64];
	uint64_t	slot;
	bool		failed;
} ps_ingest_sig_t;

/* one entry of a getSignatureStatuses answer */
typedef struct ps_ingest_status_t
{
	bool		found;			/* false: the node does not know it */
	uint64_t	slot;
	int			commitment;		/* PS_INGEST_PROCESSED.. or -1 */
	bool		failed;
} ps_ingest_status_t;

#define PS_INGEST_PROCESSED		0
#define PS_INGEST_CONFIRMED		1
#define PS_INGEST_FINALIZED		2

/*
 * ps_ingest_parse_message reads one pubsub message (`len` bytes, need
 * not be nul-terminated) into `out`.  Returns PS_OK with out->kind set,
 * PS_ERR_JSON when it is not JSON or not a JSON-RPC object, PS_ERR_ARG
 * when a notification we act on has the wrong shape (missing or
 * mistyped member, a signature or key that is not base58 of the right
 * size, account data not base64), PS_ERR_LIMIT over PS_INGEST_MSG_MAX
 * or PS_INGEST_LOGS_MAX, PS_ERR_NOMEM.  `errbuf` (may be size 0) names
 * the bad member on failure.  Free `out` with ps_ingest_msg_free in
 * every case.  Any input is safe.
 */
extern int	ps_ingest_parse_message(const char *text, size_t len,
									ps_ingest_msg_t *out,
									char *errbuf, size_t errbuf_sz);
extern void ps_ingest_msg_free(ps_ingest_msg_t *m);

/*
 * ps_ingest_parse_message_tree reads the same messages by loading the
 * whole text with jansson.  ps_ingest_parse_message reads a
 * logsNotification with the span scanner (and loads only a non-null
 * value.err) and hands every other message, and any it does not take
 * as it comes (wrong shapes, \u escapes), to this function; whenever
 * this function returns PS_OK, ps_ingest_parse_message returns the same
 * result (fuzz_ingest_garbage checks it).  Same contract otherwise.
 */
extern int	ps_ingest_parse_message_tree(const char *text, size_t len,
										 ps_ingest_msg_t *out,
										 char *errbuf, size_t errbuf_sz);

/*
 * ps_ingest_parse_transaction reads a whole getTransaction response
 * body (JSON encoding, maxSupportedTransactionVersion 0).  Returns
 * PS_OK and *found = false for a null result (unknown or not yet at the
 * commitment); PS_OK with `out` filled; PS_ERR_JSON or PS_ERR_ARG as
 * above; PS_ERR_SYNTAX when the body is a JSON-RPC error, with its
 * message in errbuf.  emit_cpi! events are collected from
 * meta.innerInstructions: inner instructions whose data starts with
 * Anchor's event tag and whose program is the one invoked.  Free `out`
 * with ps_ingest_tx_free.
 */
extern int	ps_ingest_parse_transaction(const char *text, size_t len,
										bool *found, ps_ingest_tx_t *out,
										char *errbuf, size_t errbuf_sz);
extern void ps_ingest_tx_free(ps_ingest_tx_t *tx);

/*
 * ps_ingest_parse_transaction_tree reads the same answers by loading
 * the whole text with jansson.  ps_ingest_parse_transaction checks the
 * text once with the span scanner and loads only the members it uses,
 * handing every answer it does not take as it comes (JSON-RPC errors,
 * wrong shapes, \u escapes) to this function; whenever this function
 * returns PS_OK, ps_ingest_parse_transaction returns the same result
 * (fuzz_ingest_garbage checks it).  Same contract otherwise.
 */
extern int	ps_ingest_parse_transaction_tree(const char *text, size_t len,
											 bool *found, ps_ingest_tx_t *out,
											 char *errbuf, size_t errbuf_sz);

/*
 * ps_ingest_parse_signatures reads a getSignaturesForAddress response
 * body into a malloc'd array (*out, *cnt entries, newest first as the
 * node sends them; free with free()).  Errors as
 * ps_ingest_parse_transaction.
 */
extern int	ps_ingest_parse_signatures(const char *text, size_t len,
									   ps_ingest_sig_t **out, size_t *cnt,
									   char *errbuf, size_t errbuf_sz);

/*
 * ps_ingest_parse_statuses reads a getSignatureStatuses response body
 * into `out` (room for `cnt` entries, in request order).  Errors as
 * above; PS_ERR_ARG when the answer has another length.
 */
extern int	ps_ingest_parse_statuses(const char *text, size_t len,
									 ps_ingest_status_t *out, size_t cnt,
									 char *errbuf, size_t errbuf_sz);

/*
 * ps_ingest_commitment_level maps "processed", "confirmed",
 * "finalized" to PS_INGEST_PROCESSED.. and anything else to -1.
 */
extern int	ps_ingest_commitment_level(const char *s);

/*
 * ps_ingest_build_subscribe appends the JSON-RPC request that opens a
 * subscription: `kind` is "logs" (logsSubscribe with mentions),
 * "program" (programSubscribe, base64, with `filters_json_opt`, a JSON
 * array) or "account" (accountSubscribe, base64).  Returns PS_OK,
 * PS_ERR_ARG for an unknown kind or commitment, PS_ERR_JSON when the
 * filters are not a JSON array, or the buffer's error.
 */
extern int	ps_ingest_build_subscribe(ps_buf_t *b, int64_t id,
									  const char *kind,
									  const uint8_t target[32],
									  const char *commitment,
									  const char *filters_json_opt);

/* the matching unsubscribe request (logsUnsubscribe, ...) */
extern int	ps_ingest_build_unsubscribe(ps_buf_t *b, int64_t id,
										const char *kind,
										int64_t subscription);

/*
 * ps_ingest_build_get_signatures appends a getSignaturesForAddress
 * request for `address`, newest first, at most `limit` (1..1000)
 * entries, older than `before_opt`, newer than `until_opt`.
 */
extern int	ps_ingest_build_get_signatures(ps_buf_t *b, int64_t id,
										   const uint8_t address[32],
										   const uint8_t *before_opt,
										   const uint8_t *until_opt,
										   int limit,
										   const char *commitment);

/* a getTransaction request (json, maxSupportedTransactionVersion 0) */
extern int	ps_ingest_build_get_transaction(ps_buf_t *b, int64_t id,
											const uint8_t signature[64],
											const char *commitment);

/*
 * ps_ingest_build_batch appends a JSON-RPC batch: the `cnt` (>= 1)
 * requests `bodies` (each one JSON object, as built above) as one JSON
 * array.  Returns b->err, or PS_ERR_ARG when `cnt` is 0.
 */
extern int	ps_ingest_build_batch(ps_buf_t *b, const char *const *bodies,
								  size_t cnt);

/*
 * ps_ingest_split_batch reads the answer to a batch whose requests had
 * the ids `ids` (`cnt` of them, distinct) and sets out[i] to the span of
 * the answer element whose "id" is ids[i], in any order (found false
 * when no element has it; the first element with an id wins).  Only
 * the first PS_INGEST_BATCH_MAX elements are read; elements that are
 * not objects or carry an id not asked for are ignored.
 * Returns PS_OK, PS_ERR_JSON when the answer is not JSON, PS_ERR_ARG
 * when it is JSON but not an array (a node that refuses batches answers
 * with one error object), PS_ERR_LIMIT.  Any input is safe; allocates
 * nothing.
 */
typedef struct ps_ingest_span_t
{
	bool		found;
	size_t		off;
	size_t		sz;
} ps_ingest_span_t;

extern int	ps_ingest_split_batch(const char *text, size_t len,
								  const int64_t *ids, size_t cnt,
								  ps_ingest_span_t *out);

/* a getSignatureStatuses request for `cnt` (1..256) signatures */
extern int	ps_ingest_build_get_statuses(ps_buf_t *b, int64_t id,
										 const uint8_t (*sigs)[64],
										 size_t cnt);

/*
 * ps_ingest_build_get_multiple_accounts appends a getMultipleAccounts
 * request (base64) for `cnt` (1..100) addresses at `commitment`.
 * Returns PS_OK, PS_ERR_ARG for a bad count or commitment, or the
 * buffer's error.
 */
extern int	ps_ingest_build_get_multiple_accounts(ps_buf_t *b, int64_t id,
												  const uint8_t (*keys)[32],
												  size_t cnt,
												  const char *commitment);

/*
 * ps_ingest_build_get_program_accounts appends a getProgramAccounts
 * request (base64, withContext) for the accounts `program` owns that
 * match `filters_json_opt` (a JSON array as programSubscribe takes it)
 * at `commitment`.  Errors as ps_ingest_build_subscribe.
 */
extern int	ps_ingest_build_get_program_accounts(ps_buf_t *b, int64_t id,
												 const uint8_t program[32],
												 const char *commitment,
												 const char *filters_json_opt);

/*
 * ps_ingest_parse_accounts reads the answer to either request above:
 * *slot_out is result.context.slot, *out a malloc'd array of *cnt
 * account states.  With `keys_opt` (the `keys_cnt` addresses asked,
 * in order) it reads a getMultipleAccounts answer, whose value array
 * must have keys_cnt entries, which get their address from keys_opt;
 * a null entry (no such account: never created or closed) becomes the
 * state a closed account has (owner the System program, all zero
 * bytes; no lamports; empty data).  Without it, it
 * reads a getProgramAccounts answer with context ({pubkey, account}
 * entries).  Errors as ps_ingest_parse_transaction; PS_ERR_ARG names
 * the bad entry.  Free with ps_ingest_accounts_free, also on failure.
 */
extern int	ps_ingest_parse_accounts(const char *text, size_t len,
									 const uint8_t (*keys_opt)[32],
									 size_t keys_cnt, uint64_t *slot_out,
									 ps_ingest_account_t **out, size_t *cnt,
									 char *errbuf, size_t errbuf_sz);
extern void ps_ingest_accounts_free(ps_ingest_account_t *accs, size_t cnt);

/*
 * ps_ingest_page_cut applies a backfill start slot to one page of
 * `cnt` entries (newest first) fetched with page size `limit`: *keep is
 * the number of leading entries at `from_slot` or later, *last is true
 * when paging must stop (an entry below from_slot was seen, or the
 * page was short).  from_slot 0 keeps everything.
 */
extern void ps_ingest_page_cut(const ps_ingest_sig_t *page, size_t cnt,
							   int limit, uint64_t from_slot,
							   size_t *keep, bool *last);

#endif							/* PS_INGEST_H */
