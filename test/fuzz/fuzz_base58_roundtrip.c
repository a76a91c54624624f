/*
 * fuzz_base58_roundtrip.c
 *	  Any bytes encode, and the text decodes back to the same bytes, both
 *	  with the general codec and the fixed 32- and 64-byte forms.
 */
#include "fuzz_common.h"

#include <string.h>

#include "ps_base58.h"
#include "ps_error.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		tcap = PS_BASE58_ENCODED_MAX(size) + 1;
	char	   *text = malloc(tcap);
	uint8_t    *back;
	size_t		tlen = 0;
	size_t		len = 0;

	FUZZ_ASSERT(ps_base58_encode(data, size, text, tcap, &tlen) == PS_OK);
	FUZZ_ASSERT(strlen(text) == tlen);
	back = malloc(PS_BASE58_DECODED_MAX(tlen));
	FUZZ_ASSERT(ps_base58_decode(text, tlen, back, PS_BASE58_DECODED_MAX(tlen),
								 &len, NULL) == PS_OK);
	FUZZ_ASSERT(len == size && memcmp(back, data, size) == 0);
	if (size == 32 || size == 64)
	{
		char		fixed[PS_BASE58_SIGNATURE_MAX_LEN + 1];
		uint8_t		k[64];
		size_t		flen = size == 32 ? ps_base58_encode_32(data, fixed)
			: ps_base58_encode_64(data, fixed);

		FUZZ_ASSERT(flen == tlen && memcmp(fixed, text, tlen) == 0);
		FUZZ_ASSERT(ps_base58_decode_fixed(fixed, flen, k, size, NULL, NULL) == PS_OK);
		FUZZ_ASSERT(memcmp(k, data, size) == 0);
	}
	free(text);
	free(back);
	return 0;
}
