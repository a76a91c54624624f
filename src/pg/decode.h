/*
 * decode.h
 *	  Anchor decoding for other glue code (the ingest worker, oracle
 *	  readers): registered IDLs compiled into plans, cached per backend,
 *	  and decoding to jsonb without SQL round trips.
 *
 * Plans come from solana.programs and are cached per backend until that
 * table changes (a statement-level trigger sends a relcache
 * invalidation, so every backend drops its cache at the writer's
 * commit, and the writer itself at the end of the statement).
 */
#ifndef SOLANA_DECODE_H
#define SOLANA_DECODE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "ps_idl.h"

/* returned by solana_decode_*_jsonb when the program has no IDL */
#define SOLANA_NO_IDL	1

/*
 * solana_idl_plan returns the compiled plan of the IDL registered for
 * `program_id` (32 bytes), or NULL when there is none.  Needs a
 * transaction (it may read solana.programs through SPI).  The plan
 * stays valid until the next call of solana_idl_plan or
 * solana_decode_*_jsonb in this backend; do not keep it longer.
 */
extern const ps_idl_plan_t *solana_idl_plan(const uint8 *program_id);

/*
 * solana_decode_event_jsonb decodes a raw event (discriminator + borsh)
 * of `program_id` into *out (palloc'd jsonb; U+0000 removed from
 * strings) and *name_out (palloc'd).  Returns PS_OK, SOLANA_NO_IDL, or
 * a core status with `err` filled (never raises for bad data, so
 * workers can record the failure and go on).  Same for accounts,
 * instructions and emit_cpi! inner instruction data.
 */
extern int	solana_decode_event_jsonb(const uint8 *program_id, const uint8 *data,
									  size_t len, Jsonb **out, char **name_out,
									  ps_idl_error_t *err);
extern int	solana_decode_account_jsonb(const uint8 *program_id, const uint8 *data,
										size_t len, Jsonb **out, char **name_out,
										ps_idl_error_t *err);
extern int	solana_decode_instruction_jsonb(const uint8 *program_id, const uint8 *data,
											size_t len, Jsonb **out, char **name_out,
											ps_idl_error_t *err);
extern int	solana_decode_cpi_event_jsonb(const uint8 *program_id, const uint8 *data,
										  size_t len, Jsonb **out, char **name_out,
										  ps_idl_error_t *err);

#endif							/* SOLANA_DECODE_H */
