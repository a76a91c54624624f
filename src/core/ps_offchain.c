/*
 * ps_offchain.c
 *	  Off-chain message codec, envelopes and signature checks (see
 *	  ps_offchain.h for the byte layout).
 *
 * The decoder's cursor `pos` never exceeds `len`.  Signatures use
 * libsodium's crypto_sign_verify_detached (strict ed25519, as
 * @solana/kit's WebCrypto verification).
 */
#include "ps_offchain.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ps_buf.h"
#include "ps_error.h"


static size_t
header_sz(const ps_offchain_t *m)
{
	if (m->version == 0)
		return PS_OFFCHAIN_DOMAIN_SZ + 1 + 32 + 1 + 1 + 32 * m->signers_cnt + 2;
	return PS_OFFCHAIN_DOMAIN_SZ + 1 + 1 + 32 * m->signers_cnt;
}

/* content rules shared by encoder and decoder */
static int
check_content(const ps_offchain_t *m)
{
	if (m->text_sz == 0 || m->signers_cnt == 0 ||
		m->signers_cnt > PS_OFFCHAIN_SIGNERS_MAX)
		return PS_ERR_ARG;
	if (m->version == 0)
	{
		if (m->format < 0 || m->format > 2)
			return PS_ERR_ARG;
		if (m->format == 0)
		{
			for (size_t i = 0; i < m->text_sz; i++)
				if (m->text[i] != 0x0A && (m->text[i] < 0x20 || m->text[i] > 0x7E))
					return PS_ERR_ARG;
		}
		else if (!ps_utf8_valid(m->text, m->text_sz))
			return PS_ERR_ARG;
		if (m->format < 2 && header_sz(m) + m->text_sz > PS_OFFCHAIN_LIMIT_SZ)
			return PS_ERR_ARG;
		if (m->text_sz > 65535)
			return PS_ERR_ARG;
	}
	else
	{
		if (!ps_utf8_valid(m->text, m->text_sz))
			return PS_ERR_ARG;
		for (size_t i = 1; i < m->signers_cnt; i++)
			if (memcmp(m->signers + 32 * (i - 1), m->signers + 32 * i, 32) >= 0)
				return PS_ERR_ARG;	/* unsorted or duplicate */
	}
	return PS_OK;
}

static int
cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int
ps_offchain_encode(const ps_offchain_t *m, uint8_t *out, size_t out_cap,
				   size_t *out_len)
{
	ps_offchain_t mm = *m;
	uint8_t    *sorted = NULL;
	size_t		n;
	size_t		at = 0;
	int			rc;

	if (m->version != 0 && m->version != 1)
		return PS_ERR_ARG;
	if (m->signers_cnt == 0 || m->signers_cnt > PS_OFFCHAIN_SIGNERS_MAX)
		return PS_ERR_ARG;
	if (m->version == 1)
	{
		sorted = malloc(32 * m->signers_cnt);
		if (sorted == NULL)
			return PS_ERR_NOMEM;
		memcpy(sorted, m->signers, 32 * m->signers_cnt);
		qsort(sorted, m->signers_cnt, 32, cmp_key);
		mm.signers = sorted;
	}
	rc = check_content(&mm);
	n = header_sz(&mm) + mm.text_sz;
	if (rc == PS_OK && n > out_cap)
		rc = PS_ERR_LIMIT;
	if (rc != PS_OK)
	{
		free(sorted);
		return rc;
	}
	memcpy(out, PS_OFFCHAIN_DOMAIN, PS_OFFCHAIN_DOMAIN_SZ);
	at = PS_OFFCHAIN_DOMAIN_SZ;
	out[at++] = (uint8_t) mm.version;
	if (mm.version == 0)
	{
		memcpy(out + at, mm.app_domain, 32);
		at += 32;
		out[at++] = (uint8_t) mm.format;
	}
	out[at++] = (uint8_t) mm.signers_cnt;
	memcpy(out + at, mm.signers, 32 * mm.signers_cnt);
	at += 32 * mm.signers_cnt;
	if (mm.version == 0)
	{
		out[at++] = (uint8_t) (mm.text_sz & 0xFF);
		out[at++] = (uint8_t) (mm.text_sz >> 8);
	}
	memcpy(out + at, mm.text, mm.text_sz);
	at += mm.text_sz;
	*out_len = at;
	free(sorted);
	return PS_OK;
}

int
ps_offchain_decode(const uint8_t *msg, size_t len, ps_offchain_t *m)
{
	size_t		pos = 0;

	memset(m, 0, sizeof(*m));
	if (len < PS_OFFCHAIN_DOMAIN_SZ + 1)
		return len >= 1 && msg[0] == 0xFF ? PS_ERR_TRUNCATED : PS_ERR_BAD_DATA;
	if (memcmp(msg, PS_OFFCHAIN_DOMAIN, PS_OFFCHAIN_DOMAIN_SZ) != 0)
		return PS_ERR_BAD_DATA;
	pos = PS_OFFCHAIN_DOMAIN_SZ;
	m->version = msg[pos++];
	if (m->version > 1)
		return PS_ERR_BAD_DATA;
	if (m->version == 0)
	{
		if (len - pos < 33)
			return PS_ERR_TRUNCATED;
		memcpy(m->app_domain, msg + pos, 32);
		pos += 32;
		m->format = msg[pos++];
		if (m->format > 2)
			return PS_ERR_BAD_DATA;
	}
	if (len - pos < 1)
		return PS_ERR_TRUNCATED;
	m->signers_cnt = msg[pos++];
	if ((len - pos) / 32 < m->signers_cnt)
		return PS_ERR_TRUNCATED;
	m->signers = msg + pos;
	pos += 32 * m->signers_cnt;
	if (m->version == 0)
	{
		if (len - pos < 2)
			return PS_ERR_TRUNCATED;
		m->text_sz = (size_t) msg[pos] | ((size_t) msg[pos + 1] << 8);
		pos += 2;
		if (len - pos < m->text_sz)
			return PS_ERR_TRUNCATED;
		m->text = msg + pos;
		if (len - pos > m->text_sz)
			return PS_ERR_TRAILING;
	}
	else
	{
		m->text = msg + pos;
		m->text_sz = len - pos;
	}
	return check_content(m);
}

int
ps_offchain_verify(const uint8_t *msg, size_t len, const uint8_t sig[64],
				   const uint8_t key[32])
{
	ps_offchain_t m;
	int			rc = ps_offchain_decode(msg, len, &m);
	bool		signer = false;

	if (rc != PS_OK)
		return rc;
	for (size_t i = 0; i < m.signers_cnt; i++)
		if (memcmp(m.signers + 32 * i, key, 32) == 0)
			signer = true;
	if (!signer || crypto_sign_verify_detached(sig, msg, len, key) != 0)
		return PS_ERR_SIGNATURE;
	return PS_OK;
}

int
ps_offchain_verify_all(const uint8_t *msg, size_t len,
					   const uint8_t (*keys)[32], const uint8_t (*sigs)[64],
					   size_t sigs_cnt)
{
	ps_offchain_t m;
	int			rc = ps_offchain_decode(msg, len, &m);

	if (rc != PS_OK)
		return rc;
	if (sigs_cnt != m.signers_cnt)
		return PS_ERR_SIGNATURE;
	for (size_t i = 0; i < m.signers_cnt; i++)
	{
		size_t		found = 0;

		for (size_t j = 0; j < sigs_cnt; j++)
			if (memcmp(keys[j], m.signers + 32 * i, 32) == 0)
			{
				found++;
				if (crypto_sign_verify_detached(sigs[j], msg, len, keys[j]) != 0)
					return PS_ERR_SIGNATURE;
			}
		if (found != 1)
			return PS_ERR_SIGNATURE;
	}
	return PS_OK;
}

int
ps_offchain_envelope(const uint8_t *msg, size_t len,
					 const uint8_t (*sigs)[64], size_t sigs_cnt,
					 uint8_t *out, size_t out_cap, size_t *out_len)
{
	ps_offchain_t m;
	int			rc = ps_offchain_decode(msg, len, &m);
	size_t		at = 0;
	size_t		v = sigs_cnt;

	if (rc != PS_OK)
		return rc;
	if (sigs_cnt != m.signers_cnt)
		return PS_ERR_ARG;
	if (out_cap < 3 + 64 * sigs_cnt + len)
		return PS_ERR_LIMIT;
	/* shortvec: 7 bits per byte, high bit set while more follow */
	do
	{
		uint8_t		b = v & 0x7F;

		v >>= 7;
		out[at++] = v ? (b | 0x80) : b;
	} while (v);
	for (size_t i = 0; i < sigs_cnt; i++)
	{
		memcpy(out + at, sigs[i], 64);
		at += 64;
	}
	memcpy(out + at, msg, len);
	*out_len = at + len;
	return PS_OK;
}
