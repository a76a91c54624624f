/*
 * ps_buf.c
 *	  Growable buffers, JSON strings, base64.
 */
#include "ps_buf.h"
#include "ps_base58.h"
#include "ps_error.h"

#include <stdlib.h>
#include <string.h>

static void *
libc_realloc(void *ctx, void *ptr, size_t new_sz)
{
	(void) ctx;
	if (new_sz == 0)
	{
		free(ptr);
		return NULL;
	}
	return realloc(ptr, new_sz);
}

void
ps_buf_init(ps_buf_t *b, ps_realloc_fn fn_opt, void *ctx)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->err = PS_OK;
	b->realloc_fn = fn_opt ? fn_opt : libc_realloc;
	b->ctx = ctx;
}

void
ps_buf_free(ps_buf_t *b)
{
	if (b->data)
		b->realloc_fn(b->ctx, b->data, 0);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
ps_buf_reserve(ps_buf_t *b, size_t n)
{
	size_t		need;
	size_t		cap;
	char	   *p;

	if (b->err != PS_OK)
		return b->err;
	if (n > SIZE_MAX / 2 - b->len)
		return b->err = PS_ERR_NOMEM;
	need = b->len + n + 1;
	if (need <= b->cap)
		return PS_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = b->realloc_fn(b->ctx, b->data, cap);
	if (p == NULL)
		return b->err = PS_ERR_NOMEM;
	b->data = p;
	b->cap = cap;
	return PS_OK;
}

void
ps_buf_append(ps_buf_t *b, const void *p, size_t n)
{
	if (ps_buf_reserve(b, n) != PS_OK)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
ps_buf_puts(ps_buf_t *b, const char *s)
{
	ps_buf_append(b, s, strlen(s));
}

void
ps_buf_putc(ps_buf_t *b, char c)
{
	if (ps_buf_reserve(b, 1) != PS_OK)
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void
ps_buf_put_u64(ps_buf_t *b, uint64_t v)
{
	char		tmp[24];
	int			i = sizeof(tmp);

	do
	{
		tmp[--i] = (char) ('0' + v % 10);
		v /= 10;
	} while (v);
	ps_buf_append(b, tmp + i, sizeof(tmp) - i);
}

void
ps_buf_put_i64(ps_buf_t *b, int64_t v)
{
	if (v < 0)
	{
		ps_buf_putc(b, '-');
		ps_buf_put_u64(b, (uint64_t) 0 - (uint64_t) v);
	}
	else
		ps_buf_put_u64(b, (uint64_t) v);
}

void
ps_buf_put_json_string(ps_buf_t *b, const char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	size_t		i;
	size_t		run = 0;		/* start of the pending unescaped run */

	if (ps_buf_reserve(b, n + 2) != PS_OK)
		return;
	ps_buf_putc(b, '"');
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];
		char		esc[7];
		size_t		esc_len = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		ps_buf_append(b, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c)
		{
			case '"':
				esc[1] = '"';
				break;
			case '\\':
				esc[1] = '\\';
				break;
			case '\b':
				esc[1] = 'b';
				break;
			case '\f':
				esc[1] = 'f';
				break;
			case '\n':
				esc[1] = 'n';
				break;
			case '\r':
				esc[1] = 'r';
				break;
			case '\t':
				esc[1] = 't';
				break;
			default:
				esc[1] = 'u';
				esc[2] = '0';
				esc[3] = '0';
				esc[4] = hexd[c >> 4];
				esc[5] = hexd[c & 15];
				esc_len = 6;
				break;
		}
		ps_buf_append(b, esc, esc_len);
	}
	ps_buf_append(b, s + run, n - run);
	ps_buf_putc(b, '"');
}

static const char b64_alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
ps_buf_put_base64(ps_buf_t *b, const uint8_t *p, size_t n)
{
	size_t		i;
	char	   *o;

	if (ps_buf_reserve(b, (n + 2) / 3 * 4) != PS_OK)
		return;
	o = b->data + b->len;
	for (i = 0; i + 3 <= n; i += 3)
	{
		uint32_t	v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8 | p[i + 2];

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (n - i == 1)
	{
		uint32_t	v = (uint32_t) p[i] << 16;

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	}
	else if (n - i == 2)
	{
		uint32_t	v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8;

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = '=';
	}
	b->len = (size_t) (o - b->data);
	b->data[b->len] = '\0';
}

void
ps_buf_put_base58(ps_buf_t *b, const uint8_t *p, size_t n)
{
	size_t		need = PS_BASE58_ENCODED_MAX(n) + 1;
	size_t		len = 0;

	if (ps_buf_reserve(b, need) != PS_OK)
		return;
	if (ps_base58_encode(p, n, b->data + b->len, need, &len) != PS_OK)
	{
		b->err = PS_ERR_NOMEM;
		return;
	}
	b->len += len;
}

void
ps_buf_put_hex(ps_buf_t *b, const uint8_t *p, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	size_t		i;

	if (ps_buf_reserve(b, n * 2) != PS_OK)
		return;
	for (i = 0; i < n; i++)
	{
		b->data[b->len++] = hexd[p[i] >> 4];
		b->data[b->len++] = hexd[p[i] & 15];
	}
	b->data[b->len] = '\0';
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
ps_base64_decode(const char *src, size_t src_len, uint8_t *out, size_t *out_len)
{
	size_t		i;
	size_t		o = 0;

	if (src_len % 4 != 0)
		return PS_ERR_BASE64;
	for (i = 0; i < src_len; i += 4)
	{
		int			v[4];
		int			pad = 0;
		int			k;
		for (k = 0; k < 4; k++)
		{
			unsigned char c = (unsigned char) src[i + k];

			if (c == '=')
			{
				/* padding only in the last quantum, only at its end */
				if (i + 4 != src_len || k < 2)
					return PS_ERR_BASE64;
				pad++;
				v[k] = 0;
				continue;
			}
			if (pad > 0)
				return PS_ERR_BASE64;
			v[k] = b64_value(c);
			if (v[k] < 0)
				return PS_ERR_BASE64;
		}
		out[o++] = (uint8_t) (v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (uint8_t) ((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (uint8_t) ((v[2] & 3) << 6 | v[3]);
	}
	*out_len = o;
	return PS_OK;
}

/* strict UTF-8: no overlongs, surrogates or code points above U+10FFFF */
bool
ps_utf8_valid(const uint8_t *s, size_t n)
{
	size_t		i = 0;

	while (i < n)
	{
		uint8_t		c = s[i];

		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
		{
			if (i + 1 >= n || (s[i + 1] & 0xc0) != 0x80)
				return false;
			i += 2;
		}
		else if (c >= 0xe0 && c <= 0xef)
		{
			uint8_t		lo = c == 0xe0 ? 0xa0 : 0x80,
						hi = c == 0xed ? 0x9f : 0xbf;

			if (i + 2 >= n || s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xc0) != 0x80)
				return false;
			i += 3;
		}
		else if (c >= 0xf0 && c <= 0xf4)
		{
			uint8_t		lo = c == 0xf0 ? 0x90 : 0x80,
						hi = c == 0xf4 ? 0x8f : 0xbf;

			if (i + 3 >= n || s[i + 1] < lo || s[i + 1] > hi ||
				(s[i + 2] & 0xc0) != 0x80 || (s[i + 3] & 0xc0) != 0x80)
				return false;
			i += 4;
		}
		else
			return false;
	}
	return true;
}
