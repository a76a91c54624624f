/*
 * ps_base58.h
 *	  Base58 (Bitcoin alphabet) encoding and decoding, as Solana and the
 *	  bs58 package spell keys and signatures.
 *
 * Leading zero bytes map one-to-one to leading '1' characters; the rest
 * is the big-endian number in base 58.  The empty input encodes to the
 * empty string and back.
 */
#ifndef PS_BASE58_H
#define PS_BASE58_H

#include <stddef.h>
#include <stdint.h>

#define PS_BASE58_PUBKEY_SZ		32
#define PS_BASE58_SIGNATURE_SZ	64
/* longest encodings of 32 and 64 bytes, without the terminating nul */
#define PS_BASE58_PUBKEY_MAX_LEN	44
#define PS_BASE58_SIGNATURE_MAX_LEN	88

/*
 * PS_BASE58_ENCODED_MAX is the largest number of characters (without
 * the nul) that encoding `n` bytes can produce: log(256)/log(58) < 1.366.
 */
#define PS_BASE58_ENCODED_MAX(n)	((size_t) (n) * 1366 / 1000 + 1)

/*
 * PS_BASE58_DECODED_MAX is a buffer size always enough for decoding `n`
 * characters: every character yields at most one byte (a leading '1'
 * exactly one, the others log(58)/log(256) < 0.7323 of one).
 */
#define PS_BASE58_DECODED_MAX(n)	((size_t) (n))

/*
 * ps_base58_encode writes the base58 text of `in` (`in_sz` bytes) into
 * `out`, nul-terminated, and its length without the nul to `*out_len`.
 * `out_sz` must be at least PS_BASE58_ENCODED_MAX(in_sz) + 1.  Returns
 * PS_OK, or PS_ERR_LIMIT when `out_sz` is too small.  Allocates only
 * for inputs over 1024 bytes (PS_ERR_NOMEM if that fails).
 */
extern int	ps_base58_encode(const uint8_t *in, size_t in_sz,
							 char *out, size_t out_sz, size_t *out_len);

/*
 * ps_base58_decode reads `src_len` characters of base58 text at `src`
 * and writes the bytes to `out`, their count to `*out_len`.  `out_sz`
 * must be at least the decoded size's bound (PS_BASE58_DECODED_MAX(src_len)
 * is always enough).  Returns PS_OK,
 * PS_ERR_BASE58_CHAR when a character is outside the alphabet (its
 * offset goes to `*bad_off_opt`), or PS_ERR_LIMIT when `out_sz` is too
 * small.  Any input is safe.
 */
extern int	ps_base58_decode(const char *src, size_t src_len,
							 uint8_t *out, size_t out_sz, size_t *out_len,
							 size_t *bad_off_opt);

/*
 * ps_base58_decode_fixed decodes `src_len` characters into exactly
 * `want_sz` bytes at `out`.  Returns PS_OK, PS_ERR_BASE58_CHAR (offset
 * to `*bad_off_opt`), or PS_ERR_LENGTH when the text decodes to another
 * length (that length to `*got_sz_opt`).  `out` is unspecified on
 * failure.  Never allocates for `want_sz` up to 64.
 */
extern int	ps_base58_decode_fixed(const char *src, size_t src_len,
								   uint8_t *out, size_t want_sz,
								   size_t *bad_off_opt, size_t *got_sz_opt);

/*
 * ps_base58_decode_32 reads the nul-terminated base58 text `src` and
 * writes exactly 32 bytes to `out`.  Returns PS_OK, PS_ERR_BASE58_CHAR
 * or PS_ERR_LENGTH.  `out` is unspecified on failure.
 */
extern int	ps_base58_decode_32(const char *src, uint8_t out[32]);

/*
 * ps_base58_encode_32 writes the base58 text of 32 bytes to `out`
 * (at least PS_BASE58_PUBKEY_MAX_LEN + 1 bytes), nul-terminated, and
 * returns its length.  Cannot fail.
 */
extern size_t ps_base58_encode_32(const uint8_t in[32], char *out);

/*
 * ps_base58_encode_64: the same for 64 bytes (out: at least
 * PS_BASE58_SIGNATURE_MAX_LEN + 1 bytes).
 */
extern size_t ps_base58_encode_64(const uint8_t in[64], char *out);

#endif							/* PS_BASE58_H */
