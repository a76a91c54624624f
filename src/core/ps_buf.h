/*
 * ps_buf.h
 *	  A growable output buffer backed by the caller's allocator, and the
 *	  JSON text primitives every decoder writes through.
 *
 * The caller supplies a realloc-like function (NULL means libc realloc)
 * so that the PostgreSQL glue can back buffers with palloc.  The function
 * must return NULL on failure rather than raise: a failed growth sets
 * `err` to PS_ERR_NOMEM, later appends are ignored, and the owner checks
 * `err` once at the end.  The data is always nul-terminated after a
 * successful append.
 */
#ifndef PS_BUF_H
#define PS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void *(*ps_realloc_fn) (void *ctx, void *ptr, size_t new_sz);

typedef struct ps_buf_t
{
	char	   *data;
	size_t		len;
	size_t		cap;
	int			err;			/* PS_OK or PS_ERR_NOMEM, sticky */
	ps_realloc_fn realloc_fn;
	void	   *ctx;
} ps_buf_t;

/* ps_buf_init prepares an empty buffer; allocates nothing yet. */
extern void ps_buf_init(ps_buf_t *b, ps_realloc_fn fn_opt, void *ctx);

/* ps_buf_free releases the data (with fn(ctx, data, 0) or free). */
extern void ps_buf_free(ps_buf_t *b);

/* ps_buf_reserve makes room for `n` more bytes plus a nul. */
extern int	ps_buf_reserve(ps_buf_t *b, size_t n);

extern void ps_buf_append(ps_buf_t *b, const void *p, size_t n);
extern void ps_buf_puts(ps_buf_t *b, const char *s);
extern void ps_buf_putc(ps_buf_t *b, char c);

/* decimal text of unsigned and signed 64-bit integers */
extern void ps_buf_put_u64(ps_buf_t *b, uint64_t v);
extern void ps_buf_put_i64(ps_buf_t *b, int64_t v);

/*
 * ps_buf_put_json_string appends `s` (`n` bytes, assumed valid UTF-8)
 * as a JSON string with quotes, escaping '"', '\\' and every control
 * character as JSON.stringify does (U+0000 becomes \u0000).
 */
extern void ps_buf_put_json_string(ps_buf_t *b, const char *s, size_t n);

/* ps_buf_put_base64 appends standard base64 with padding of `n` bytes. */
extern void ps_buf_put_base64(ps_buf_t *b, const uint8_t *p, size_t n);

/* ps_buf_put_base58 appends the base58 text of `n` bytes. */
extern void ps_buf_put_base58(ps_buf_t *b, const uint8_t *p, size_t n);

/* ps_buf_put_hex appends lowercase hex of `n` bytes. */
extern void ps_buf_put_hex(ps_buf_t *b, const uint8_t *p, size_t n);

/*
 * ps_base64_decode decodes `src_len` characters of RFC 4648 standard
 * base64 with padding (length a multiple of 4, '=' only at the end, at
 * most two) into `out` (at least src_len / 4 * 3 bytes).  Returns PS_OK
 * or PS_ERR_BASE64.  Any input is safe; never allocates.
 */
extern int	ps_base64_decode(const char *src, size_t src_len,
							 uint8_t *out, size_t *out_len);

/*
 * ps_utf8_valid says whether `n` bytes are strict UTF-8: no overlong
 * forms, no surrogates, nothing above U+10FFFF (what PostgreSQL's text
 * and Rust's String accept).  Any input is safe.
 */
extern bool ps_utf8_valid(const uint8_t *s, size_t n);

#endif							/* PS_BUF_H */
