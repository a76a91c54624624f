/*
 * ps_idl.h
 *	  Anchor IDLs compiled into decoding plans, and borsh decoding of
 *	  events, accounts and instructions with a plan.
 *
 * An *IDL* is the JSON text Anchor writes for a program, in either the
 * >= 0.30 format (top-level `address`, explicit discriminators,
 * `pubkey`, `{"defined": {"name": ..}}`, generics) or the legacy
 * (<= 0.29) format (`publicKey`, `{"defined": "Name"}`, inline event
 * fields, discriminators computed from sha256 of "event:Name",
 * "account:Name" and "global:snake_name").
 *
 * A *plan* is an IDL compiled once: flat arrays of type *nodes* with
 * every `defined` reference resolved, every generic instantiated and
 * every discriminator computed, validated up front.  A plan is
 * immutable after ps_idl_compile returns, so any number of threads or
 * calls may decode with it; decoding never looks at JSON again.
 *
 * Decoding writes the value as JSON text (the convention of
 * ../shared/DESIGN.md: exact integers, base58 pubkeys, base64 bytes,
 * externally tagged enums) into a caller-backed ps_buf_t.  A failure
 * fills a ps_idl_error_t with the status, the byte offset where the bad
 * value starts and the field path, such as `fills[3].price`.
 */
#ifndef PS_IDL_H
#define PS_IDL_H

#include <stddef.h>
#include <stdint.h>

#include "ps_buf.h"

typedef struct ps_idl_plan_t ps_idl_plan_t;

/* IDL formats */
#define PS_IDL_FORMAT_ANCHOR	1	/* >= 0.30: address + discriminators */
#define PS_IDL_FORMAT_LEGACY	2	/* <= 0.29 */

/* decode flags */
#define PS_IDL_STRIP_NUL		0x1 /* drop U+0000 from decoded strings */
#define PS_IDL_JSONB_ORDER		0x2 /* object keys in jsonb's order (shorter
									 * first, then bytewise) instead of IDL
									 * order, so jsonb need not sort them */

/* longest discriminator an IDL may declare */
#define PS_IDL_DISC_MAX			32

/* decoding limits: nesting depth of values, nodes per plan */
#define PS_IDL_MAX_DEPTH		128
#define PS_IDL_MAX_NODES		200000

/* Anchor's event tag in emit_cpi! instruction data: sha256("anchor:event")[0..8] */
extern const uint8_t ps_idl_cpi_event_tag[8];

typedef struct ps_idl_error_t
{
	int			status;			/* PS_OK or a PS_ERR_* code */
	size_t		offset;			/* byte offset of the bad value in data */
	char		path[256];		/* field path, "" at the top level */
} ps_idl_error_t;

/*
 * ps_idl_compile parses the IDL JSON text `json` (`len` bytes) and
 * builds a plan in *plan_out (free it with ps_idl_free).  The program
 * id is `program_id_opt` when given, otherwise the IDL's `address`
 * (>= 0.30) or `metadata.address` (legacy).  Returns PS_OK,
 * PS_ERR_JSON (not JSON), PS_ERR_IDL (malformed: unknown type names,
 * undefined `defined` references, recursion without a vec, option or
 * enum in between, duplicate discriminators, no program id),
 * PS_ERR_UNSUPPORTED (a feature the decoder does not implement, such as
 * bytemuck serialization), PS_ERR_LIMIT (more than PS_IDL_MAX_NODES
 * nodes or nesting too deep) or PS_ERR_NOMEM.  On failure *plan_out is
 * NULL and `errbuf` (size `errbuf_sz`, may be 0) holds a message naming
 * the JSON path inside the IDL, such as
 * `types[2].type.fields[1].type: unknown type "u63"`.  Allocates with
 * malloc; any input is safe.
 */
extern int	ps_idl_compile(const char *json, size_t len,
						   const uint8_t *program_id_opt,
						   ps_idl_plan_t **plan_out,
						   char *errbuf, size_t errbuf_sz);

/* ps_idl_free releases a plan; NULL is fine. */
extern void ps_idl_free(ps_idl_plan_t *plan);

/* the plan's program id (32 bytes), name ("" when none) and format */
extern const uint8_t *ps_idl_program_id(const ps_idl_plan_t *plan);
extern const char *ps_idl_name(const ps_idl_plan_t *plan);
extern int	ps_idl_format(const ps_idl_plan_t *plan);

/* ps_idl_size returns the bytes the plan occupies (for cache accounting) */
extern size_t ps_idl_size(const ps_idl_plan_t *plan);

/*
 * ps_idl_decode_event decodes `data` (`len` bytes: discriminator, then
 * borsh) as one of the plan's events, matched by comparing each event's
 * discriminator (8 bytes or the custom length) with the start of data.
 * Appends the value's JSON text to `out` and points *name_out at the
 * event's name (owned by the plan).  Returns PS_OK or, with `err`
 * filled: PS_ERR_UNKNOWN_DISC, PS_ERR_TRUNCATED, PS_ERR_TRAILING (bytes
 * left after the value), PS_ERR_UTF8, PS_ERR_BOOL, PS_ERR_OPTION_TAG,
 * PS_ERR_ENUM_TAG, PS_ERR_LENGTH_EXCEEDS, PS_ERR_LIMIT (nesting or output
 * work beyond the limits) or PS_ERR_NOMEM (out's allocator failed).  On
 * failure `out` holds partial text the caller should discard.  `flags`
 * combines PS_IDL_STRIP_NUL and PS_IDL_JSONB_ORDER.  Any bytes are safe: every read is bounded
 * by `len`.
 */
extern int	ps_idl_decode_event(const ps_idl_plan_t *plan,
								const uint8_t *data, size_t len, int flags,
								ps_buf_t *out, const char **name_out,
								ps_idl_error_t *err);

/*
 * ps_idl_decode_account is ps_idl_decode_event for account data, with
 * two differences: bytes after the value are allowed (accounts are
 * allocated with fixed space and zero-padded), and when `type_opt` names
 * an account the data must carry that account's discriminator
 * (PS_ERR_DISC_MISMATCH otherwise; PS_ERR_ARG when no such account).
 */
extern int	ps_idl_decode_account(const ps_idl_plan_t *plan,
								  const uint8_t *data, size_t len,
								  const char *type_opt, int flags,
								  ps_buf_t *out, const char **name_out,
								  ps_idl_error_t *err);

/*
 * ps_idl_decode_instruction decodes instruction data (discriminator,
 * then the args in order) into a JSON object of the args, keyed by
 * their IDL names.  Trailing bytes are an error, as for events.
 */
extern int	ps_idl_decode_instruction(const ps_idl_plan_t *plan,
									  const uint8_t *data, size_t len,
									  int flags, ps_buf_t *out,
									  const char **name_out,
									  ps_idl_error_t *err);

/*
 * ps_idl_decode_cpi_event decodes the data of an emit_cpi! inner
 * instruction: ps_idl_cpi_event_tag followed by an event.  Returns
 * PS_ERR_UNKNOWN_DISC (offset 0) when the tag is absent, otherwise as
 * ps_idl_decode_event with offsets counted from the start of `data`.
 */
extern int	ps_idl_decode_cpi_event(const ps_idl_plan_t *plan,
									const uint8_t *data, size_t len,
									int flags, ps_buf_t *out,
									const char **name_out,
									ps_idl_error_t *err);

/*
 * ps_idl_error_text writes "field \"path\" at offset N: phrase" (or
 * "at offset N: phrase" at the top level) into `buf` (size `buf_sz`).
 */
extern void ps_idl_error_text(const ps_idl_error_t *err,
							  char *buf, size_t buf_sz);

#endif							/* PS_IDL_H */
