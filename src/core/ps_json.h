/*
 * ps_json.h
 *	  JSON loading with exact numbers, over jansson.
 *
 * jansson holds integers as long long and refuses wider ones, but
 * Solana answers carry u64 values up to 2^64 - 1 (rentEpoch) and the
 * decoded-value convention has u128/u256.  So before parsing, every
 * number token outside strings becomes a string "\u0001n:<token>" (a
 * *tagged number*); readers take the token text back with
 * ps_json_number_text and convert it exactly as they need.
 */
#ifndef PS_JSON_H
#define PS_JSON_H

#include <jansson.h>
#include <stddef.h>

#define PS_JSON_NUM_TAG		"\001n:"
#define PS_JSON_NUM_TAG_SZ	3

/*
 * ps_json_load_exact parses `len` bytes of JSON text (any value at the
 * top) with numbers tagged, into *out.  Returns PS_OK, PS_ERR_JSON (the
 * parser's message to `errbuf`), or PS_ERR_NOMEM.  Any input is safe;
 * the tagged copy needs up to six times `len` bytes while parsing.
 */
extern int	ps_json_load_exact(const char *text, size_t len, json_t **out,
							   char *errbuf, size_t errbuf_sz);

/*
 * ps_json_number_text returns the token text of a tagged number (such
 * as "18446744073709551615" or "-1.5e3"), or NULL when `v` is not one.
 */
extern const char *ps_json_number_text(const json_t *v);

#endif							/* PS_JSON_H */
