/*
 * ps_logs.c
 *	  Classification of runtime log lines and invoke-stack attribution
 *	  of "Program data:" lines.
 *
 * Shapes follow the agave runtime's formats exactly (ps_logs.h).  The
 * stack mirrors the runtime's invoke stack: "invoke [n]" truncates it
 * to n - 1 entries and pushes, "success" and "failed:" pop.  Heights
 * that skip levels (logs cut at the start) leave unknown entries, which
 * are not attributed.
 */
#include <string.h>

#include "ps_base58.h"
#include "ps_error.h"
#include "ps_logs.h"

static bool
has_prefix(const char *s, size_t n, const char *p, size_t pn)
{
	return n >= pn && memcmp(s, p, pn) == 0;
}

/* a decimal number of s[0..n), at most 9 digits */
static bool
parse_uint(const char *s, size_t n, uint32_t *out)
{
	uint32_t	v = 0;
	size_t		i;

	if (n == 0 || n > 9)
		return false;
	for (i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t) (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool
all_digits(const char *s, size_t n)
{
	size_t		i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* a base58 pubkey at s[0..n) */
static bool
parse_key(const char *s, size_t n, uint8_t out[32])
{
	size_t		bad,
				got;

	if (n < 32 || n > PS_BASE58_PUBKEY_MAX_LEN)
		return false;
	return ps_base58_decode_fixed(s, n, out, 32, &bad, &got) == PS_OK;
}

#define LIT(s) s, sizeof(s) - 1

ps_log_kind_t
ps_logs_classify(const char *line, size_t len, ps_log_line_t *out)
{
	const char *sp;
	const char *rest;
	size_t		rn;

	memset(out, 0, sizeof(*out));
	out->kind = PS_LOG_OTHER;
	if (line == NULL)
		return PS_LOG_OTHER;
	if (len == 13 && memcmp(line, "Log truncated", 13) == 0)
		return out->kind = PS_LOG_TRUNCATED;
	if (!has_prefix(line, len, LIT("Program ")))
		return PS_LOG_OTHER;
	if (has_prefix(line, len, LIT("Program log: ")))
		return out->kind = PS_LOG_LOG;
	if (has_prefix(line, len, LIT("Program data: ")))
	{
		out->rest = line + 14;
		out->rest_len = len - 14;
		return out->kind = PS_LOG_DATA;
	}
	if (has_prefix(line, len, LIT("Program consumption: ")))
	{
		rest = line + 21;
		rn = len - 21;
		sp = memchr(rest, ' ', rn);
		if (sp && all_digits(rest, (size_t) (sp - rest)) &&
			(size_t) (rest + rn - sp) == sizeof(" units remaining") - 1 &&
			memcmp(sp, LIT(" units remaining")) == 0)
			out->kind = PS_LOG_CONSUMPTION;
		return out->kind;
	}
	if (has_prefix(line, len, LIT("Program return: ")))
	{
		rest = line + 16;
		rn = len - 16;
		sp = memchr(rest, ' ', rn);
		if (sp && parse_key(rest, (size_t) (sp - rest), out->program_id))
			out->kind = PS_LOG_RETURN;
		return out->kind;
	}
	/* Program <id> <verb> */
	rest = line + 8;
	rn = len - 8;
	sp = memchr(rest, ' ', rn);
	if (!sp || !parse_key(rest, (size_t) (sp - rest), out->program_id))
		return PS_LOG_OTHER;
	rn -= (size_t) (sp - rest);
	rest = sp;
	if (rn == 8 && memcmp(rest, " success", 8) == 0)
		return out->kind = PS_LOG_SUCCESS;
	if (has_prefix(rest, rn, LIT(" failed: ")))
		return out->kind = PS_LOG_FAILED;
	if (has_prefix(rest, rn, LIT(" invoke [")) && rest[rn - 1] == ']')
	{
		if (parse_uint(rest + 9, rn - 10, &out->height) && out->height >= 1)
			out->kind = PS_LOG_INVOKE;
		return out->kind;
	}
	if (has_prefix(rest, rn, LIT(" consumed ")))
	{
		const char *a = rest + 10;
		size_t		an = rn - 10;
		const char *s1 = memchr(a, ' ', an);

		if (s1 && all_digits(a, (size_t) (s1 - a)) &&
			has_prefix(s1, (size_t) (a + an - s1), LIT(" of ")))
		{
			const char *b = s1 + 4;
			size_t		bn = (size_t) (a + an - b);
			const char *s2 = memchr(b, ' ', bn);

			if (s2 && all_digits(b, (size_t) (s2 - b)) &&
				(size_t) (b + bn - s2) == sizeof(" compute units") - 1 &&
				memcmp(s2, LIT(" compute units")) == 0)
				out->kind = PS_LOG_CONSUMED;
		}
		return out->kind;
	}
	memset(out->program_id, 0, 32);
	return PS_LOG_OTHER;
}

bool
ps_logs_part(const char *payload, size_t payload_len, int i,
			 const char **part, size_t *part_len)
{
	size_t		start = 0,
				k;
	int			idx = 0;

	if (payload_len == 0)
		return false;
	for (k = 0; k <= payload_len; k++)
	{
		if (k == payload_len || payload[k] == ' ')
		{
			if (idx == i)
			{
				*part = payload + start;
				*part_len = k - start;
				return true;
			}
			idx++;
			start = k + 1;
		}
	}
	return false;
}

static int
count_parts(const char *s, size_t n)
{
	size_t		k;
	int			c = 1;

	if (n == 0)
		return 0;
	for (k = 0; k < n; k++)
		if (s[k] == ' ')
			c++;
	return c;
}

int
ps_logs_attribute(const char *const *lines, const size_t *lens, size_t n,
				  ps_logs_cb cb, void *ctx)
{
	uint8_t		stack[PS_LOGS_MAX_DEPTH][32];
	bool		known[PS_LOGS_MAX_DEPTH];
	int			cpi[PS_LOGS_MAX_DEPTH];
	int			height = 0;
	int			top_level = -1;
	int			cpi_next = 0;
	bool		truncated = false;
	size_t		data_index = 0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		ps_log_line_t ln;
		ps_log_kind_t k = ps_logs_classify(lines[i], lines[i] ? lens[i] : 0, &ln);

		switch (k)
		{
			case PS_LOG_TRUNCATED:
				truncated = true;
				break;
			case PS_LOG_INVOKE:
				if (ln.height > PS_LOGS_MAX_DEPTH)
				{
					height = (int) ln.height;
					break;
				}
				while (height < (int) ln.height - 1)
				{
					if (height < PS_LOGS_MAX_DEPTH)
						known[height] = false;
					height++;
				}
				height = (int) ln.height;
				memcpy(stack[height - 1], ln.program_id, 32);
				known[height - 1] = true;
				if (height == 1)
				{
					top_level++;
					cpi_next = 0;
					cpi[0] = -1;
				}
				else
					cpi[height - 1] = cpi_next++;
				break;
			case PS_LOG_SUCCESS:
			case PS_LOG_FAILED:
				if (height > 0)
					height--;
				break;
			case PS_LOG_DATA:
				{
					ps_logs_data_t d;
					int			rc;
					int			j;

					memset(&d, 0, sizeof(d));
					d.log_index = i;
					d.data_index = data_index++;
					d.truncated = truncated;
					d.top_level_index = top_level;
					d.cpi_index = -1;
					d.payload = ln.rest;
					d.payload_len = ln.rest_len;
					d.part_cnt = count_parts(ln.rest, ln.rest_len);
					if (!truncated && height >= 1 && height <= PS_LOGS_MAX_DEPTH)
					{
						d.attributed = true;
						for (j = 0; j < height; j++)
							if (!known[j])
								d.attributed = false;
					}
					if (d.attributed)
					{
						d.program_id = stack[height - 1];
						d.depth = height;
						d.path = (const uint8_t (*)[32]) stack;
						d.cpi_index = height == 1 ? -1 : cpi[height - 1];
					}
					rc = cb(ctx, &d);
					if (rc != 0)
						return rc;
					break;
				}
			default:
				break;
		}
	}
	return 0;
}
