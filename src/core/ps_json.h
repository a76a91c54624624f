/*
 * ps_json.h
 *	  The project's JSON reading: the RFC 8259 grammar as a span scanner
 *	  that never copies, and loading with exact numbers over jansson.
 *
 * A *span* is an offset and length into the caller's text.  The
 * scanner checks text and finds values in it without building
 * anything, so large answers (getProgramAccounts) can be handed to
 * jsonb as they came.  jansson holds integers as long long and refuses
 * wider ones, but Solana answers carry u64 values up to 2^64 - 1
 * (rentEpoch) and the decoded-value convention has u128/u256.  So
 * before loading, every number token outside strings is checked with
 * the scanner's number grammar and becomes a string "\u0001n:<token>"
 * (a *tagged number*); readers take the token text back with
 * ps_json_number_text and convert it exactly as they need.
 */
#ifndef PS_JSON_H
#define PS_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define PS_JSON_NUM_TAG		"\001n:"
#define PS_JSON_NUM_TAG_SZ	3
#define PS_JSON_DEPTH_MAX	128 /* nesting accepted by the scanner */

/*
 * ps_json_skip skips optional whitespace and one JSON value of `s`
 * (`len` bytes) starting at *pos, then trailing whitespace, and leaves
 * *pos after it.  Validates the grammar of RFC 8259 (strings must be
 * escaped correctly; their UTF-8 is not checked).  Returns PS_OK,
 * PS_ERR_JSON, or PS_ERR_LIMIT beyond PS_JSON_DEPTH_MAX levels.  *pos
 * never exceeds `len`.  Any input is safe; never allocates.
 */
extern int	ps_json_skip(const char *s, size_t len, size_t *pos);

typedef struct ps_json_span_t
{
	bool		found;
	size_t		off;			/* the value, without whitespace around */
	size_t		sz;
} ps_json_span_t;

/*
 * ps_json_object_spans checks that `s` (`len` bytes) is exactly one JSON
 * object, with optional whitespace around, as ps_json_skip does, and for
 * each of the `keys_cnt` names in `keys` (written in the text without
 * escapes) fills spans[i] with its member's value; when a name occurs
 * twice the last wins, as in jsonb.  Returns PS_OK, PS_ERR_JSON (not
 * JSON, or not an object) or PS_ERR_LIMIT.  Any input is safe; never
 * allocates.
 */
extern int	ps_json_object_spans(const char *s, size_t len,
								 const char *const *keys, int keys_cnt,
								 ps_json_span_t *spans);

/*
 * ps_json_array_spans checks that `s` (`len` bytes) is exactly one JSON
 * array, with optional whitespace around, as ps_json_skip does, fills
 * spans[i] with its first `spans_max` elements (without whitespace
 * around) and sets *cnt to the number of elements, which may exceed
 * `spans_max`.  Returns PS_OK, PS_ERR_JSON (not JSON, or not an array)
 * or PS_ERR_LIMIT.  Any input is safe; never allocates.
 */
extern int	ps_json_array_spans(const char *s, size_t len,
								ps_json_span_t *spans, size_t spans_max,
								size_t *cnt);

/*
 * ps_json_load_exact parses `len` bytes of JSON text (any value at the
 * top) with numbers tagged, into *out.  Returns PS_OK, PS_ERR_JSON (the
 * reason to `errbuf`: a number outside the grammar, or the parser's
 * message), or PS_ERR_NOMEM.  Any input is safe; the tagged copy is
 * sized exactly (the text plus 11 bytes per number).
 */
extern int	ps_json_load_exact(const char *text, size_t len, json_t **out,
							   char *errbuf, size_t errbuf_sz);

/*
 * ps_json_number_text returns the token text of a tagged number (such
 * as "18446744073709551615" or "-1.5e3"), or NULL when `v` is not one.
 */
extern const char *ps_json_number_text(const json_t *v);

#endif							/* PS_JSON_H */
