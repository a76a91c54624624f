/*
 * ps_json.c
 *	  The JSON span scanner, number tagging and exact loading (see
 *	  ps_json.h).
 *
 * The scanner works on spans and never copies: its invariant is that
 * `pos` never exceeds `len`, and every read checks, reads, then
 * advances.  The tagging pass reads text that may be anything (`i`
 * never exceeds `len`); it checks and rewrites numbers only and leaves
 * the rest of the grammar to jansson.
 */
#include "ps_json.h"
#include "ps_error.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_OPEN		"\"\\u0001n:"	/* a tagged number's opening text */
#define NUM_OPEN_SZ		9

static void
skip_ws(const char *s, size_t len, size_t *pos)
{
	while (*pos < len && (s[*pos] == ' ' || s[*pos] == '\t' ||
						  s[*pos] == '\n' || s[*pos] == '\r'))
		(*pos)++;
}

static int
skip_string(const char *s, size_t len, size_t *pos)
{
	size_t		p = *pos;

	if (p >= len || s[p] != '"')
		return PS_ERR_JSON;
	p++;
	while (p < len)
	{
		unsigned char c;

		/*
		 * Eight bytes at a time while none of them is a quote, a
		 * backslash or a control character (the byte tests of "Bit
		 * Twiddling Hacks": a byte less than n, a byte equal to n); the
		 * long log lines of a transaction are mostly such runs.
		 */
		while (len - p >= 8)
		{
			uint64_t	v,
						q,
						b;

			memcpy(&v, s + p, 8);
			q = v ^ UINT64_C(0x2222222222222222);
			b = v ^ UINT64_C(0x5c5c5c5c5c5c5c5c);
			if ((((v - UINT64_C(0x2020202020202020)) & ~v) |
				 ((q - UINT64_C(0x0101010101010101)) & ~q) |
				 ((b - UINT64_C(0x0101010101010101)) & ~b)) &
				UINT64_C(0x8080808080808080))
				break;
			p += 8;
		}
		if (p >= len)
			break;
		c = (unsigned char) s[p];

		if (c == '"')
		{
			*pos = p + 1;
			return PS_OK;
		}
		if (c < 0x20)
			return PS_ERR_JSON;
		if (c == '\\')
		{
			if (p + 1 >= len)
				return PS_ERR_JSON;
			c = (unsigned char) s[p + 1];
			if (c == 'u')
			{
				if (p + 6 > len)
					return PS_ERR_JSON;
				for (int i = 2; i < 6; i++)
					if (!isxdigit((unsigned char) s[p + i]))
						return PS_ERR_JSON;
				p += 6;
				continue;
			}
			if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
				return PS_ERR_JSON;
			p += 2;
			continue;
		}
		p++;
	}
	return PS_ERR_JSON;
}

static int
skip_number(const char *s, size_t len, size_t *pos)
{
	size_t		p = *pos;
	size_t		digits;

	if (p < len && s[p] == '-')
		p++;
	if (p >= len || !isdigit((unsigned char) s[p]))
		return PS_ERR_JSON;
	if (s[p] == '0')
		p++;
	else
		while (p < len && isdigit((unsigned char) s[p]))
			p++;
	if (p < len && s[p] == '.')
	{
		p++;
		for (digits = 0; p < len && isdigit((unsigned char) s[p]); digits++)
			p++;
		if (digits == 0)
			return PS_ERR_JSON;
	}
	if (p < len && (s[p] == 'e' || s[p] == 'E'))
	{
		p++;
		if (p < len && (s[p] == '+' || s[p] == '-'))
			p++;
		for (digits = 0; p < len && isdigit((unsigned char) s[p]); digits++)
			p++;
		if (digits == 0)
			return PS_ERR_JSON;
	}
	*pos = p;
	return PS_OK;
}

static int
skip_literal(const char *s, size_t len, size_t *pos, const char *word)
{
	size_t		n = strlen(word);

	if (len - *pos < n || memcmp(s + *pos, word, n) != 0)
		return PS_ERR_JSON;
	*pos += n;
	return PS_OK;
}

static int
skip_value(const char *s, size_t len, size_t *pos, int depth)
{
	int			rc;

	skip_ws(s, len, pos);
	if (*pos >= len)
		return PS_ERR_JSON;
	switch (s[*pos])
	{
		case '"':
			rc = skip_string(s, len, pos);
			break;
		case 't':
			rc = skip_literal(s, len, pos, "true");
			break;
		case 'f':
			rc = skip_literal(s, len, pos, "false");
			break;
		case 'n':
			rc = skip_literal(s, len, pos, "null");
			break;
		case '[':
		case '{':
			{
				char		close = s[*pos] == '[' ? ']' : '}';
				bool		obj = close == '}';

				if (depth >= PS_JSON_DEPTH_MAX)
					return PS_ERR_LIMIT;
				(*pos)++;
				skip_ws(s, len, pos);
				if (*pos < len && s[*pos] == close)
				{
					(*pos)++;
					rc = PS_OK;
					break;
				}
				for (;;)
				{
					if (obj)
					{
						skip_ws(s, len, pos);
						if ((rc = skip_string(s, len, pos)) != PS_OK)
							return rc;
						skip_ws(s, len, pos);
						if (*pos >= len || s[*pos] != ':')
							return PS_ERR_JSON;
						(*pos)++;
					}
					if ((rc = skip_value(s, len, pos, depth + 1)) != PS_OK)
						return rc;
					if (*pos >= len)
						return PS_ERR_JSON;
					if (s[*pos] == ',')
					{
						(*pos)++;
						continue;
					}
					if (s[*pos] != close)
						return PS_ERR_JSON;
					(*pos)++;
					break;
				}
				rc = PS_OK;
				break;
			}
		default:
			rc = skip_number(s, len, pos);
			break;
	}
	if (rc == PS_OK)
		skip_ws(s, len, pos);
	return rc;
}

int
ps_json_skip(const char *s, size_t len, size_t *pos)
{
	if (*pos > len)
		return PS_ERR_JSON;
	return skip_value(s, len, pos, 0);
}

int
ps_json_object_spans(const char *s, size_t len, const char *const *keys,
					 int keys_cnt, ps_json_span_t *spans)
{
	size_t		pos = 0;
	int			rc;
	int			k;

	for (k = 0; k < keys_cnt; k++)
		spans[k].found = false;
	skip_ws(s, len, &pos);
	if (pos >= len || s[pos] != '{')
		return PS_ERR_JSON;
	pos++;
	skip_ws(s, len, &pos);
	if (pos < len && s[pos] == '}')
		pos++;
	else
		for (;;)
		{
			size_t		key_start;
			size_t		val_start;
			size_t		end;

			skip_ws(s, len, &pos);
			key_start = pos;
			if ((rc = skip_string(s, len, &pos)) != PS_OK)
				return rc;
			end = pos;
			skip_ws(s, len, &pos);
			if (pos >= len || s[pos] != ':')
				return PS_ERR_JSON;
			pos++;
			skip_ws(s, len, &pos);
			val_start = pos;
			if ((rc = skip_value(s, len, &pos, 1)) != PS_OK)
				return rc;
			for (k = 0; k < keys_cnt; k++)
			{
				size_t		n = strlen(keys[k]);

				if (end - key_start == n + 2 && memcmp(s + key_start + 1, keys[k], n) == 0)
				{
					size_t		val_end = pos;

					while (val_end > val_start && strchr(" \t\r\n", s[val_end - 1]))
						val_end--;
					spans[k].found = true;
					spans[k].off = val_start;
					spans[k].sz = val_end - val_start;
				}
			}
			if (pos >= len)
				return PS_ERR_JSON;
			if (s[pos] == ',')
			{
				pos++;
				continue;
			}
			if (s[pos] != '}')
				return PS_ERR_JSON;
			pos++;
			break;
		}
	skip_ws(s, len, &pos);
	return pos == len ? PS_OK : PS_ERR_JSON;
}

int
ps_json_array_spans(const char *s, size_t len, ps_json_span_t *spans,
					size_t spans_max, size_t *cnt)
{
	size_t		pos = 0;
	int			rc;

	*cnt = 0;
	skip_ws(s, len, &pos);
	if (pos >= len || s[pos] != '[')
		return PS_ERR_JSON;
	pos++;
	skip_ws(s, len, &pos);
	if (pos < len && s[pos] == ']')
		pos++;
	else
		for (;;)
		{
			size_t		val_start;
			size_t		val_end;

			skip_ws(s, len, &pos);
			val_start = pos;
			if ((rc = skip_value(s, len, &pos, 1)) != PS_OK)
				return rc;
			val_end = pos;
			while (val_end > val_start && strchr(" \t\r\n", s[val_end - 1]))
				val_end--;
			if (*cnt < spans_max)
			{
				spans[*cnt].found = true;
				spans[*cnt].off = val_start;
				spans[*cnt].sz = val_end - val_start;
			}
			(*cnt)++;
			if (pos >= len)
				return PS_ERR_JSON;
			if (s[pos] == ',')
			{
				pos++;
				continue;
			}
			if (s[pos] != ']')
				return PS_ERR_JSON;
			pos++;
			break;
		}
	skip_ws(s, len, &pos);
	return pos == len ? PS_OK : PS_ERR_JSON;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * tag_numbers copies `in` to `out` (when not NULL) turning every number
 * token outside strings into a tagged string; returns the bytes written
 * (the size needed when `out` is NULL), or SIZE_MAX for a token that
 * is not a number of the grammar.  Other garbage is copied as is;
 * jansson rejects it.
 */
static size_t
tag_numbers(const char *in, size_t len, char *out)
{
	size_t		i = 0;
	size_t		o = 0;

#define EMIT(p, n) do { if (out) memcpy(out + o, (p), (n)); o += (n); } while (0)
	while (i < len)
	{
		char		c = in[i];
		size_t		start = i;

		if (c == '"')
		{
			for (i++; i < len && in[i] != '"';)
				i += (in[i] == '\\' && i + 1 < len) ? 2 : 1;
			if (i < len)
				i++;
			EMIT(in + start, i - start);
		}
		else if (c == '-' || is_digit(c))
		{
			if (skip_number(in, len, &i) != PS_OK ||
				(i < len && (in[i] == '-' || in[i] == '+' || in[i] == '.' ||
							 in[i] == 'e' || in[i] == 'E' || is_digit(in[i]))))
				return SIZE_MAX;
			EMIT(NUM_OPEN, NUM_OPEN_SZ);
			EMIT(in + start, i - start);
			EMIT("\"", 1);
		}
		else
		{
			while (i < len && in[i] != '"' && in[i] != '-' && !is_digit(in[i]))
				i++;
			EMIT(in + start, i - start);
		}
	}
#undef EMIT
	return o;
}

int
ps_json_load_exact(const char *text, size_t len, json_t **out,
				   char *errbuf, size_t errbuf_sz)
{
	size_t		need;
	size_t		pos = 0;
	char	   *tagged;
	json_error_t jerr;

	*out = NULL;

	/*
	 * The scanner checks the grammar first: tagging turns numbers into
	 * strings, so without it a number in a key's place ({3:1}) would
	 * reach jansson as a string key and be accepted.
	 */
	if (ps_json_skip(text, len, &pos) != PS_OK || pos != len)
	{
		if (errbuf_sz)
			snprintf(errbuf, errbuf_sz, "not JSON: invalid text at offset %zu", pos);
		return PS_ERR_JSON;
	}
	need = tag_numbers(text, len, NULL);
	if (need == SIZE_MAX)
	{
		if (errbuf_sz)
			snprintf(errbuf, errbuf_sz, "not JSON: invalid number");
		return PS_ERR_JSON;
	}
	/* raw NUL is never JSON, and jansson would take it for the end */
	if (memchr(text, '\0', len) != NULL)
	{
		if (errbuf_sz)
			snprintf(errbuf, errbuf_sz, "not JSON: NUL byte at offset %zu",
					 (size_t) ((const char *) memchr(text, '\0', len) - text));
		return PS_ERR_JSON;
	}
	tagged = malloc(need + 1);
	if (tagged == NULL)
	{
		if (errbuf_sz)
			snprintf(errbuf, errbuf_sz, "out of memory");
		return PS_ERR_NOMEM;
	}
	(void) tag_numbers(text, len, tagged);
	tagged[need] = '\0';
	*out = json_loadb(tagged, need, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	free(tagged);
	if (*out == NULL)
	{
		if (errbuf_sz)
			snprintf(errbuf, errbuf_sz, "not JSON: %s", jerr.text);
		return PS_ERR_JSON;
	}
	return PS_OK;
}

const char *
ps_json_number_text(const json_t *v)
{
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	if (strncmp(s, PS_JSON_NUM_TAG, PS_JSON_NUM_TAG_SZ) != 0)
		return NULL;
	return s + PS_JSON_NUM_TAG_SZ;
}
