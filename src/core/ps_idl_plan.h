/*
 * ps_idl_plan.h
 *	  The layout of a compiled IDL plan, shared by the compiler
 *	  (ps_idl.c) and the borsh decoder (ps_borsh.c).  Not part of the
 *	  public API: callers use ps_idl.h.
 *
 * Vocabulary: a *node* is one type (a primitive, a container or a
 * defined type instantiated with its generic arguments); a *field* is a
 * member of a struct, tuple or enum variant; an *item* is an event,
 * account or instruction with its discriminator.  Names live in one
 * string pool, each twice: raw (for error paths) and pre-rendered as a
 * JSON key `"name":` or string `"Name"` (for output).
 */
#ifndef PS_IDL_PLAN_H
#define PS_IDL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "ps_idl.h"

typedef enum ps_idl_kind_t
{
	PS_K_BOOL = 0,
	PS_K_U8, PS_K_I8, PS_K_U16, PS_K_I16, PS_K_U32, PS_K_I32,
	PS_K_U64, PS_K_I64, PS_K_U128, PS_K_I128, PS_K_U256, PS_K_I256,
	PS_K_F32, PS_K_F64, PS_K_STRING, PS_K_BYTES, PS_K_PUBKEY,
	PS_K_PRIM_CNT,				/* primitives are nodes 0 .. PS_K_PRIM_CNT-1 */
	PS_K_VEC = PS_K_PRIM_CNT,
	PS_K_OPTION,
	PS_K_COPTION,
	PS_K_ARRAY,
	PS_K_STRUCT,				/* named fields -> JSON object */
	PS_K_TUPLE,					/* unnamed fields -> JSON array */
	PS_K_ENUM,
	PS_K_ALIAS,
	PS_K_PENDING				/* being compiled */
} ps_idl_kind_t;

typedef struct ps_idl_node_t
{
	uint8_t		kind;
	uint32_t	a;				/* element/target node; first field; first variant */
	uint32_t	n;				/* array length; field count; variant count */
	uint32_t	def;			/* index in the IDL's types[], or UINT32_MAX */
	uint64_t	min_sz;			/* lower bound of the encoded size */
} ps_idl_node_t;

typedef struct ps_idl_field_t
{
	uint32_t	name;			/* raw name in the pool, UINT32_MAX in tuples */
	uint32_t	key;			/* "name": in the pool */
	uint32_t	key_len;
	uint32_t	type;
} ps_idl_field_t;

#define PS_V_UNIT	0
#define PS_V_TUPLE	1
#define PS_V_STRUCT	2

typedef struct ps_idl_variant_t
{
	uint32_t	name;			/* raw name */
	uint32_t	json;			/* "Name" */
	uint32_t	json_len;
	uint8_t		shape;			/* PS_V_* */
	uint32_t	first;			/* first field */
	uint32_t	n;				/* field count */
} ps_idl_variant_t;

typedef struct ps_idl_item_t
{
	uint32_t	name;			/* raw name */
	uint8_t		disc[PS_IDL_DISC_MAX];
	uint8_t		disc_len;
	uint32_t	type;			/* node */
} ps_idl_item_t;

struct ps_idl_plan_t
{
	uint8_t		program_id[32];
	int			format;
	uint32_t	name;

	ps_idl_node_t *nodes;
	uint32_t	node_cnt;
	uint32_t	node_cap;
	ps_idl_field_t *fields;
	uint32_t	field_cnt;
	uint32_t	field_cap;
	ps_idl_variant_t *variants;
	uint32_t	variant_cnt;
	uint32_t	variant_cap;
	char	   *pool;
	size_t		pool_len;
	size_t		pool_cap;

	/*
	 * jsonb key order of named field groups: for the group starting at
	 * field f with n fields, jorder[f + k] is the k-th field (relative)
	 * in jsonb order, and jsorted[f] is 1 when that is IDL order.
	 */
	uint32_t   *jorder;
	uint8_t    *jsorted;

	ps_idl_item_t *events;
	uint32_t	event_cnt;
	ps_idl_item_t *accounts;
	uint32_t	account_cnt;
	ps_idl_item_t *instructions;
	uint32_t	instruction_cnt;
};

/*
 * ps_borsh_decode_item decodes `data` (`len` bytes) starting at `start`
 * as node `type` of `plan` into `out`.  When `allow_trailing` is 0,
 * bytes left after the value give PS_ERR_TRAILING.  Fills `err` on
 * failure; see ps_idl_decode_event for the statuses.
 */
extern int	ps_borsh_decode_item(const ps_idl_plan_t *plan, uint32_t type,
								 const uint8_t *data, size_t len, size_t start,
								 int allow_trailing, int flags, ps_buf_t *out,
								 ps_idl_error_t *err);

#endif							/* PS_IDL_PLAN_H */
