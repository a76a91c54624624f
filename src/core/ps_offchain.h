/*
 * ps_offchain.h
 *	  Solana off-chain messages as @solana/kit (@solana/offchain-messages)
 *	  encodes them, and their ed25519 signatures.
 *
 * A *message* is the exact byte string that signers sign: the signing
 * domain "\xffsolana offchain", a version byte, then
 *   v0: application domain (32), format (u8: 0 restricted ASCII, 1 UTF-8
 *       up to 1232 bytes in all, 2 UTF-8 up to 65535 text bytes), signer
 *       count (u8), signer keys (32 each, in the given order), text
 *       length (u16 LE), text;
 *   v1: signer count (u8), signer keys sorted bytewise, text (to the end).
 * An *envelope* is a shortvec signature count, the 64-byte signatures in
 * signer order, then the message.
 */
#ifndef PS_OFFCHAIN_H
#define PS_OFFCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_OFFCHAIN_DOMAIN			"\xffsolana offchain"
#define PS_OFFCHAIN_DOMAIN_SZ		16
#define PS_OFFCHAIN_LIMIT_SZ		1232	/* formats 0 and 1, whole message */
#define PS_OFFCHAIN_SIGNERS_MAX		255

typedef struct ps_offchain_t
{
	int			version;		/* 0 or 1 */
	uint8_t		app_domain[32]; /* v0 only */
	int			format;			/* v0 only */
	const uint8_t *signers;		/* signers_cnt x 32 bytes, into the message */
	size_t		signers_cnt;
	const uint8_t *text;		/* into the message */
	size_t		text_sz;
} ps_offchain_t;

/*
 * ps_offchain_encode writes the message for `m` (signers, text; for v0
 * also app_domain and format) into `out` (`out_cap` bytes) and its
 * length to `out_len`.  v1 sorts the signers bytewise as kit does.
 * Returns PS_OK; PS_ERR_ARG for empty text, no or too many signers, a
 * duplicate signer (v1), a format 0 text outside LF and 0x20..0x7e, a
 * message over 1232 bytes in formats 0/1, text over 65535 bytes, or
 * invalid UTF-8; PS_ERR_LIMIT when `out_cap` is too small.
 */
extern int	ps_offchain_encode(const ps_offchain_t *m, uint8_t *out,
							   size_t out_cap, size_t *out_len);

/*
 * ps_offchain_decode parses message bytes into `m` (pointers into
 * `msg`) and applies the same rules as the encoder.  Returns PS_OK,
 * PS_ERR_TRUNCATED, PS_ERR_TRAILING (v0 bytes after the text),
 * PS_ERR_BAD_DATA (not an off-chain message, unknown version or
 * format) or PS_ERR_ARG (content rules above).
 */
extern int	ps_offchain_decode(const uint8_t *msg, size_t len, ps_offchain_t *m);

/*
 * ps_offchain_verify checks that `sig` is `key`'s ed25519 signature of
 * the message and that `key` is one of its signers.  Returns PS_OK,
 * PS_ERR_SIGNATURE, or a decode status.
 */
extern int	ps_offchain_verify(const uint8_t *msg, size_t len,
							   const uint8_t sig[64], const uint8_t key[32]);

/*
 * ps_offchain_verify_all checks `sigs_cnt` (key, signature) pairs
 * against the message: every signer of the message must have exactly
 * one verifying signature among them, and no other key may appear.
 * Returns PS_OK, PS_ERR_SIGNATURE or a decode status.
 */
extern int	ps_offchain_verify_all(const uint8_t *msg, size_t len,
								   const uint8_t (*keys)[32],
								   const uint8_t (*sigs)[64], size_t sigs_cnt);

/*
 * ps_offchain_envelope writes an envelope of `sigs` (one per signer, in
 * the message's signer order) and the message into `out`.  Returns
 * PS_OK, PS_ERR_ARG when the count differs from the signers', or
 * PS_ERR_LIMIT.
 */
extern int	ps_offchain_envelope(const uint8_t *msg, size_t len,
								 const uint8_t (*sigs)[64], size_t sigs_cnt,
								 uint8_t *out, size_t out_cap, size_t *out_len);

#endif							/* PS_OFFCHAIN_H */
