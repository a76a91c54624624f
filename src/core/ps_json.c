/*
 * ps_json.c
 *	  Number tagging and exact loading (see ps_json.h).
 */
#include "ps_json.h"
#include "ps_error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Copy JSON text turning every number token outside strings into a
 * tagged string.  Returns malloc'd nul-terminated text or NULL when out
 * of memory.  Garbage is copied as is; jansson rejects it.  A number of
 * k characters grows by 11 at most ("\"\\u0001n:" and a quote), so a
 * text of one-digit numbers and commas grows at most sixfold.
 */
static char *
tag_numbers(const char *in, size_t len)
{
	size_t		cap;
	char	   *out;
	size_t		i = 0,
				o = 0;

	if (len > (SIZE_MAX - 16) / 6)
		return NULL;
	cap = len * 6 + 16;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	while (i < len)
	{
		char		c = in[i];

		if (c == '"')
		{
			out[o++] = in[i++];
			while (i < len && in[i] != '"')
			{
				if (in[i] == '\\' && i + 1 < len)
					out[o++] = in[i++];
				out[o++] = in[i++];
			}
			if (i < len)
				out[o++] = in[i++];
		}
		else if (c == '-' || (c >= '0' && c <= '9'))
		{
			memcpy(out + o, "\"\\u0001n:", 9);
			o += 9;
			while (i < len && (in[i] == '-' || in[i] == '+' || in[i] == '.' ||
							   in[i] == 'e' || in[i] == 'E' ||
							   (in[i] >= '0' && in[i] <= '9')))
				out[o++] = in[i++];
			out[o++] = '"';
		}
		else
			out[o++] = in[i++];
	}
	out[o] = '\0';
	return out;
}

int
ps_json_load_exact(const char *text, size_t len, json_t **out,
				   char *errbuf, size_t errbuf_sz)
{
	char	   *tagged = tag_numbers(text, len);
	json_error_t jerr;

	*out = NULL;
	if (tagged == NULL)
	{
		if (errbuf_sz)
			snprintf(errbuf, errbuf_sz, "out of memory");
		return PS_ERR_NOMEM;
	}
	*out = json_loads(tagged, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
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
