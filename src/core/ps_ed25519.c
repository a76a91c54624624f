/*
 * ps_ed25519.c
 *	  Field arithmetic mod p = 2^255 - 19 in five 51-bit limbs, just
 *	  enough to decide whether a compressed point decompresses.
 *
 * A field element is five uint64 limbs, value sum(l[i] * 2^(51 i)).
 * After fe_carry every limb is below 2^51 + 2^13; fe_mul and fe_sq
 * accept limbs below 2^54 and return carried results.
 */
#include "ps_ed25519.h"

#include <string.h>

typedef struct fe
{
	uint64_t	l[5];
} fe;

#define MASK51 ((UINT64_C(1) << 51) - 1)

typedef unsigned __int128 u128;

static uint64_t
load64_le(const uint8_t *s)
{
	uint64_t	v = 0;
	int			i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | s[i];
	return v;
}

static void
fe_frombytes(fe *h, const uint8_t s[32])
{
	h->l[0] = load64_le(s) & MASK51;
	h->l[1] = (load64_le(s + 6) >> 3) & MASK51;
	h->l[2] = (load64_le(s + 12) >> 6) & MASK51;
	h->l[3] = (load64_le(s + 19) >> 1) & MASK51;
	h->l[4] = (load64_le(s + 24) >> 12) & MASK51;
}

static void
fe_set_small(fe *h, uint64_t v)
{
	memset(h, 0, sizeof(*h));
	h->l[0] = v;
}

static void
fe_carry(fe *h)
{
	uint64_t	c;
	int			i;

	for (i = 0; i < 4; i++)
	{
		c = h->l[i] >> 51;
		h->l[i] &= MASK51;
		h->l[i + 1] += c;
	}
	c = h->l[4] >> 51;
	h->l[4] &= MASK51;
	h->l[0] += c * 19;
	c = h->l[0] >> 51;
	h->l[0] &= MASK51;
	h->l[1] += c;
}

static void
fe_add(fe *h, const fe *f, const fe *g)
{
	int			i;

	for (i = 0; i < 5; i++)
		h->l[i] = f->l[i] + g->l[i];
	fe_carry(h);
}

/* h = f - g, computed as f + 4p - g so no limb goes negative */
static void
fe_sub(fe *h, const fe *f, const fe *g)
{
	h->l[0] = f->l[0] + UINT64_C(0x1FFFFFFFFFFFB4) - g->l[0];
	h->l[1] = f->l[1] + UINT64_C(0x1FFFFFFFFFFFFC) - g->l[1];
	h->l[2] = f->l[2] + UINT64_C(0x1FFFFFFFFFFFFC) - g->l[2];
	h->l[3] = f->l[3] + UINT64_C(0x1FFFFFFFFFFFFC) - g->l[3];
	h->l[4] = f->l[4] + UINT64_C(0x1FFFFFFFFFFFFC) - g->l[4];
	fe_carry(h);
}

static void
fe_mul(fe *h, const fe *f, const fe *g)
{
	const uint64_t *a = f->l;
	const uint64_t *b = g->l;
	uint64_t	b1_19 = b[1] * 19,
				b2_19 = b[2] * 19,
				b3_19 = b[3] * 19,
				b4_19 = b[4] * 19;
	u128		r0,
				r1,
				r2,
				r3,
				r4;
	uint64_t	c;

	r0 = (u128) a[0] * b[0] + (u128) a[1] * b4_19 + (u128) a[2] * b3_19 +
		(u128) a[3] * b2_19 + (u128) a[4] * b1_19;
	r1 = (u128) a[0] * b[1] + (u128) a[1] * b[0] + (u128) a[2] * b4_19 +
		(u128) a[3] * b3_19 + (u128) a[4] * b2_19;
	r2 = (u128) a[0] * b[2] + (u128) a[1] * b[1] + (u128) a[2] * b[0] +
		(u128) a[3] * b4_19 + (u128) a[4] * b3_19;
	r3 = (u128) a[0] * b[3] + (u128) a[1] * b[2] + (u128) a[2] * b[1] +
		(u128) a[3] * b[0] + (u128) a[4] * b4_19;
	r4 = (u128) a[0] * b[4] + (u128) a[1] * b[3] + (u128) a[2] * b[2] +
		(u128) a[3] * b[1] + (u128) a[4] * b[0];

	c = (uint64_t) (r0 >> 51);
	h->l[0] = (uint64_t) r0 & MASK51;
	r1 += c;
	c = (uint64_t) (r1 >> 51);
	h->l[1] = (uint64_t) r1 & MASK51;
	r2 += c;
	c = (uint64_t) (r2 >> 51);
	h->l[2] = (uint64_t) r2 & MASK51;
	r3 += c;
	c = (uint64_t) (r3 >> 51);
	h->l[3] = (uint64_t) r3 & MASK51;
	r4 += c;
	c = (uint64_t) (r4 >> 51);
	h->l[4] = (uint64_t) r4 & MASK51;
	h->l[0] += c * 19;
	c = h->l[0] >> 51;
	h->l[0] &= MASK51;
	h->l[1] += c;
}

/* out = base^e, e a little-endian 32-byte exponent */
static void
fe_pow(fe *out, const fe *base, const uint8_t e[32])
{
	fe			r;
	int			bit;

	fe_set_small(&r, 1);
	for (bit = 255; bit >= 0; bit--)
	{
		fe_mul(&r, &r, &r);
		if ((e[bit / 8] >> (bit % 8)) & 1)
			fe_mul(&r, &r, base);
	}
	*out = r;
}

/* canonical little-endian limbs: the unique representative below p */
static void
fe_canonical(fe *h)
{
	uint64_t	q;
	int			i;

	fe_carry(h);
	fe_carry(h);
	q = (h->l[0] + 19) >> 51;
	for (i = 1; i < 5; i++)
		q = (h->l[i] + q) >> 51;
	/* q is 1 exactly when h >= p; then h - p = h + 19 - 2^255 */
	h->l[0] += 19 * q;
	for (i = 0; i < 4; i++)
	{
		h->l[i + 1] += h->l[i] >> 51;
		h->l[i] &= MASK51;
	}
	h->l[4] &= MASK51;
}

static bool
fe_equals_small(const fe *f, uint64_t v)
{
	fe			t = *f;

	fe_canonical(&t);
	return t.l[0] == v && t.l[1] == 0 && t.l[2] == 0 && t.l[3] == 0 &&
		t.l[4] == 0;
}

/* p - 2 and (p - 1) / 2, little-endian */
static const uint8_t exp_p_minus_2[32] = {
	0xeb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
};
static const uint8_t exp_half_p_minus_1[32] = {
	0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f
};

/* d = -121665 / 121666, little-endian canonical bytes */
static const uint8_t curve_d[32] = {
	0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75,
	0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
	0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c,
	0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52
};

bool
ps_ed25519_is_on_curve(const uint8_t p[32])
{
	fe			y,
				y2,
				u,
				v,
				d,
				one,
				vinv,
				r,
				e;

	fe_frombytes(&y, p);
	fe_frombytes(&d, curve_d);
	fe_set_small(&one, 1);

	fe_mul(&y2, &y, &y);
	fe_sub(&u, &y2, &one);		/* u = y^2 - 1 */
	fe_mul(&v, &d, &y2);
	fe_add(&v, &v, &one);		/* v = d y^2 + 1, never 0: d is no square */

	fe_pow(&vinv, &v, exp_p_minus_2);
	fe_mul(&r, &u, &vinv);		/* r = u / v */
	if (fe_equals_small(&r, 0))
		return true;			/* x = 0 */
	fe_pow(&e, &r, exp_half_p_minus_1);
	return fe_equals_small(&e, 1);	/* Euler's criterion */
}
