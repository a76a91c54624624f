/*
 * ps_txn.h
 *	  Solana transactions on the wire: message compilation (legacy and
 *	  v0 with address lookup tables), shortvec lengths, signing, size
 *	  checks and a strict decoder to JSON.
 *
 * Vocabulary: an *instruction* is a program id, account metas and
 * data; a *message* is what the signers sign (header, account keys,
 * recent blockhash, compiled instructions, and for v0 the table
 * lookups); a *wire transaction* is a shortvec count of signatures, the
 * signatures, then the message.  A *lookup table* (ALT) is an address
 * and the ordered addresses it holds.
 *
 * Account ordering follows @solana/web3.js 1.98 byte for byte, so that
 * messages equal the fixtures (see ../shared/fixtures/README.md):
 * legacy messages sort by signer, writable, then base58 text in the
 * locale order web3.js uses, and move the fee payer first; v0 messages
 * keep first-appearance order within the four signer/writable groups
 * and move non-signer, non-program keys found in a table to it.
 */
#ifndef PS_TXN_H
#define PS_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ps_buf.h"

/* largest wire transaction the network accepts (IPv6 MTU less headers) */
#define PS_TXN_PACKET_SZ		1232
#define PS_TXN_KEY_SZ			32
#define PS_TXN_SIG_SZ			64
#define PS_TXN_SECRET_SZ		64	/* libsodium form: seed || pubkey */
#define PS_TXN_MAX_KEYS			256 /* indexes are one byte */

/* message versions */
#define PS_TXN_LEGACY			(-1)
#define PS_TXN_V0				0

typedef struct ps_txn_meta_t
{
	uint8_t		pubkey[PS_TXN_KEY_SZ];
	bool		is_signer;
	bool		is_writable;
} ps_txn_meta_t;

typedef struct ps_txn_ix_t
{
	uint8_t		program_id[PS_TXN_KEY_SZ];
	const ps_txn_meta_t *accounts;
	size_t		accounts_cnt;
	const uint8_t *data;
	size_t		data_sz;
} ps_txn_ix_t;

typedef struct ps_txn_alt_t
{
	uint8_t		address[PS_TXN_KEY_SZ];
	const uint8_t (*addresses)[PS_TXN_KEY_SZ];
	size_t		addresses_cnt;
} ps_txn_alt_t;

/* what a message says about its signers, from ps_txn_message_info */
typedef struct ps_txn_info_t
{
	int			version;		/* PS_TXN_LEGACY or PS_TXN_V0 */
	int			num_required_signatures;
	int			num_readonly_signed;
	int			num_readonly_unsigned;
	const uint8_t *keys;		/* static account keys, inside the message */
	int			keys_cnt;
	const uint8_t *blockhash;	/* inside the message */
} ps_txn_info_t;

/*
 * ps_txn_shortvec_put appends the compact-u16 encoding of `v` (at most
 * 0xffff) to `out` and returns its length (1 to 3 bytes).
 */
extern int	ps_txn_shortvec_put(ps_buf_t *out, unsigned v);

/*
 * ps_txn_shortvec_get reads a compact-u16 at `p` (`len` bytes left)
 * into `*v` and returns the bytes used, or a negative status:
 * PS_ERR_TRUNCATED when the data ends inside it, PS_ERR_BAD_DATA for
 * a non-canonical (aliased) or overflowing encoding, as the runtime
 * refuses them.
 */
extern int	ps_txn_shortvec_get(const uint8_t *p, size_t len, unsigned *v);

/*
 * ps_txn_compile appends the message of `ixs` (`ixs_cnt` instructions)
 * paid by `payer` with `blockhash` to `out`.  `version` is
 * PS_TXN_LEGACY or PS_TXN_V0; `alts` (only for v0, else must be empty)
 * are the lookup tables to draw non-signer accounts from.  Returns
 * PS_OK; PS_ERR_ARG for a lookup table with a legacy message or an
 * account index past 255 in a table; PS_ERR_TOO_LARGE when the message
 * needs more than 256 account keys or the wire transaction (with
 * its signatures) would exceed PS_TXN_PACKET_SZ (the message is still
 * appended, and `*wire_sz_opt` says how large it would be);
 * PS_ERR_UNSUPPORTED for another version; PS_ERR_NOMEM.
 */
extern int	ps_txn_compile(int version, const uint8_t payer[PS_TXN_KEY_SZ],
						   const uint8_t blockhash[PS_TXN_KEY_SZ],
						   const ps_txn_ix_t *ixs, size_t ixs_cnt,
						   const ps_txn_alt_t *alts, size_t alts_cnt,
						   ps_buf_t *out, size_t *wire_sz_opt);

/*
 * ps_txn_message_info parses and checks the message `msg` (`len`
 * bytes) fully (like ps_txn_decode_json without output) and fills
 * `info`, whose pointers point into `msg`.  Returns PS_OK,
 * PS_ERR_TRUNCATED, PS_ERR_TRAILING, PS_ERR_BAD_DATA (inconsistent
 * header, index out of range, bad shortvec) or PS_ERR_UNSUPPORTED
 * (message version above 0).  Any input is safe; never allocates.
 */
extern int	ps_txn_message_info(const uint8_t *msg, size_t len,
								ps_txn_info_t *info);

/*
 * ps_txn_wire_size returns the wire size of a message of `msg_sz`
 * bytes carrying `sig_cnt` signatures.
 */
extern size_t ps_txn_wire_size(size_t msg_sz, int sig_cnt);

/*
 * ps_txn_sign appends the wire transaction of message `msg` to `out`:
 * one signature per required signer, in account-key order, each made
 * with the secret key in `secrets` (PS_TXN_SECRET_SZ bytes each,
 * `secrets_cnt` of them) whose public half equals that signer's key.
 * Secrets that no signer needs are ignored.  Returns PS_OK; the
 * ps_txn_message_info errors; PS_ERR_ARG when a required signer has no
 * secret (its index goes to `*missing_opt`); PS_ERR_TOO_LARGE when the
 * result exceeds PS_TXN_PACKET_SZ (nothing is appended); PS_ERR_NOMEM.
 */
extern int	ps_txn_sign(const uint8_t *msg, size_t len,
						const uint8_t *secrets, size_t secrets_cnt,
						ps_buf_t *out, int *missing_opt);

/*
 * ps_txn_split_wire finds the message inside the wire transaction
 * `wire` (`len` bytes): `*sig_cnt` signatures start at `*sigs`, the
 * message at `*msg` (`*msg_sz` bytes).  Checks the message as
 * ps_txn_message_info does, that the signature count equals its
 * num_required_signatures, and the size limit (PS_ERR_TOO_LARGE).
 * Any input is safe.
 */
extern int	ps_txn_split_wire(const uint8_t *wire, size_t len,
							  const uint8_t **sigs, int *sig_cnt,
							  const uint8_t **msg, size_t *msg_sz);

/*
 * ps_txn_verify checks every signature of the wire transaction `wire`
 * against its signer's key.  Returns PS_OK, PS_ERR_SIGNATURE (the
 * index of the first bad one to `*bad_opt`), or ps_txn_split_wire's
 * errors.
 */
extern int	ps_txn_verify(const uint8_t *wire, size_t len, int *bad_opt);

/*
 * ps_txn_decode_json appends the JSON of the wire transaction `wire`
 * to `out`: {"signatures": [base58..], "message": {"version":
 * "legacy" | 0, "header": {...}, "account_keys": [..],
 * "recent_blockhash", "instructions": [{"program_id_index",
 * "account_indexes", "data_b64"}], "address_table_lookups" (v0 only):
 * [{"account_key", "writable_indexes", "readonly_indexes"}]},
 * "wire_size": n}, the shape of the fixtures' expected message.  When
 * `is_message` is true, `wire` is a bare message and only the
 * "message" object is written.  Errors as ps_txn_split_wire;
 * nothing useful is in `out` on failure.
 */
extern int	ps_txn_decode_json(const uint8_t *wire, size_t len, bool is_message,
							   ps_buf_t *out);

/*
 * ps_txn_keypair_parse reads the Solana CLI keypair file text `text`
 * (`len` bytes: a JSON array of 64 integers 0..255, the seed then the
 * public key) into `secret` (PS_TXN_SECRET_SZ bytes).  Returns PS_OK,
 * PS_ERR_JSON when it is not such an array, or PS_ERR_ARG when the
 * public half does not belong to the seed.  Every intermediate copy of
 * the secret is wiped; `secret` is wiped on failure.
 */
extern int	ps_txn_keypair_parse(const char *text, size_t len,
								 uint8_t secret[PS_TXN_SECRET_SZ]);

/*
 * ps_txn_keypair_from_seed fills `secret` from a 32-byte seed, as
 * Keypair.fromSeed does.
 */
extern void ps_txn_keypair_from_seed(const uint8_t seed[32],
									 uint8_t secret[PS_TXN_SECRET_SZ]);

/*
 * ps_txn_key_cmp orders two base58 strings as web3.js's legacy message
 * compiler does (String.localeCompare with 'en', caseFirst lower):
 * case-insensitively character by character, a prefix first, then the
 * first position whose case differs, lowercase first.
 */
extern int	ps_txn_key_cmp(const char *a, const char *b);

#endif							/* PS_TXN_H */
