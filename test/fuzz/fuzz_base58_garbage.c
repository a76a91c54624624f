/*
 * fuzz_base58_garbage.c
 *	  Any bytes given to the base58 decoders yield a status, never a
 *	  crash; when they decode, encoding gives back text that decodes to
 *	  the same bytes.
 */
#include "fuzz_common.h"

#include <string.h>

#include "ps_base58.h"
#include "ps_error.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *) data;
	size_t		cap = PS_BASE58_DECODED_MAX(size);
	uint8_t    *out = malloc(cap);
	uint8_t		key[64];
	size_t		len = 0;
	size_t		bad = 0;
	size_t		got = 0;
	int			rc;

	rc = ps_base58_decode(src, size, out, cap, &len, &bad);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_BASE58_CHAR || rc == PS_ERR_NOMEM);
	if (rc == PS_ERR_BASE58_CHAR)
		FUZZ_ASSERT(bad < size);
	if (rc == PS_OK)
	{
		size_t		tcap = PS_BASE58_ENCODED_MAX(len) + 1;
		char	   *text = malloc(tcap);
		size_t		tlen = 0;

		FUZZ_ASSERT(len <= cap);
		FUZZ_ASSERT(ps_base58_encode(out, len, text, tcap, &tlen) == PS_OK);
		/* canonical text: same as the input (base58 has no aliases) */
		FUZZ_ASSERT(tlen == size && memcmp(text, src, size) == 0);
		free(text);
	}
	rc = ps_base58_decode_fixed(src, size, key, 32, &bad, &got);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_BASE58_CHAR || rc == PS_ERR_LENGTH ||
				rc == PS_ERR_NOMEM);
	rc = ps_base58_decode_fixed(src, size, key, 64, &bad, &got);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_BASE58_CHAR || rc == PS_ERR_LENGTH ||
				rc == PS_ERR_NOMEM);
	free(out);
	return 0;
}
