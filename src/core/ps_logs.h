/*
 * ps_logs.h
 *	  Solana runtime log lines: classification and attribution of
 *	  "Program data:" lines to the program executing at that point.
 *
 * A *line* is one entry of a transaction's meta.logMessages.  Its
 * *kind* is decided by exact shape only (text after "Program log: "
 * never counts as a runtime line).  The *stack* holds the programs
 * being executed: "Program <id> invoke [n]" sets the height to n (the
 * new program on top), "Program <id> success" and "Program <id>
 * failed: ..." pop.  A *data line* ("Program data: <b64> ...") belongs
 * to the program on top of the stack.  After "Log truncated" the
 * runtime drops lines that no longer fit in its budget, so the stack is
 * unknown and nothing later is attributed.
 */
#ifndef PS_LOGS_H
#define PS_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_LOGS_MAX_DEPTH	64	/* deeper invokes are not attributed */

typedef enum ps_log_kind_t
{
	PS_LOG_OTHER = 0,			/* anything else, e.g. "Program is not deployed" */
	PS_LOG_INVOKE,				/* Program <id> invoke [<n>] */
	PS_LOG_SUCCESS,				/* Program <id> success */
	PS_LOG_FAILED,				/* Program <id> failed: <msg> */
	PS_LOG_CONSUMED,			/* Program <id> consumed <n> of <m> compute units */
	PS_LOG_RETURN,				/* Program return: <id> <base64> */
	PS_LOG_LOG,					/* Program log: ... */
	PS_LOG_DATA,				/* Program data: <b64> <b64> ... */
	PS_LOG_CONSUMPTION,			/* Program consumption: <n> units remaining */
	PS_LOG_TRUNCATED			/* Log truncated */
} ps_log_kind_t;

typedef struct ps_log_line_t
{
	ps_log_kind_t kind;
	uint8_t		program_id[32]; /* invoke, success, failed, consumed, return */
	uint32_t	height;			/* invoke: the n of "invoke [n]" */
	const char *rest;			/* data: text after "Program data: " */
	size_t		rest_len;
} ps_log_line_t;

/*
 * ps_logs_classify sets `out` for the `len` bytes of `line` (no nul
 * needed) and returns its kind.  A line that has the shape of a runtime
 * line but an invalid program id or number is PS_LOG_OTHER.  Any input
 * is safe; never allocates.
 */
extern ps_log_kind_t ps_logs_classify(const char *line, size_t len,
									  ps_log_line_t *out);

/* one data line, as handed to the callback of ps_logs_attribute */
typedef struct ps_logs_data_t
{
	size_t		log_index;		/* position in the log array */
	size_t		data_index;		/* among the data lines, 0-based */
	bool		attributed;		/* false after "Log truncated" or outside any invoke */
	bool		truncated;		/* a "Log truncated" line came before */
	const uint8_t *program_id;	/* 32 bytes when attributed, else NULL */
	int			depth;			/* stack height, 1 = top level; 0 when not attributed */
	const uint8_t (*path)[32];	/* invocation path, outermost first, `depth` entries */
	int			top_level_index;	/* "invoke [1]" lines so far - 1; -1 if none */
	int			cpi_index;		/* -1 at depth 1, else the invocation's position
								 * among depth >= 2 invocations of this
								 * top-level instruction */
	const char *payload;		/* text after "Program data: " */
	size_t		payload_len;
	int			part_cnt;		/* payload split on single spaces; "" -> 0 */
} ps_logs_data_t;

/* returns 0 to go on, anything else stops ps_logs_attribute with it */
typedef int (*ps_logs_cb) (void *ctx, const ps_logs_data_t *d);

/*
 * ps_logs_attribute walks `n` lines (`lines[i]`, `lens[i]` bytes each;
 * a NULL line counts as PS_LOG_OTHER) and calls `cb` once per data line
 * in order.  Returns 0, or the first non-zero value `cb` returned.
 * Never allocates; any input is safe.
 */
extern int	ps_logs_attribute(const char *const *lines, const size_t *lens,
							  size_t n, ps_logs_cb cb, void *ctx);

/*
 * ps_logs_part returns the `i`-th space-separated part of a payload
 * (pointer and length in *part, *part_len), or false when there is none.
 */
extern bool ps_logs_part(const char *payload, size_t payload_len, int i,
						 const char **part, size_t *part_len);

#endif							/* PS_LOGS_H */
