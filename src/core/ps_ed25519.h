/*
 * ps_ed25519.h
 *	  The curve check Solana applies to program derived addresses.
 *
 * A 32-byte string is "on the curve" when it decompresses to a point of
 * edwards25519 exactly as curve25519-dalek's CompressedEdwardsY::decompress
 * does, which is what the Solana runtime asks (bytes_are_curve_point):
 * bit 255 is the sign of x and is ignored, y is read mod p without a
 * canonical-encoding check, and the point is on the curve when
 * (y^2 - 1) / (d y^2 + 1) is a square mod p.  Small-order and
 * mixed-order points count as on the curve.  libsodium's
 * crypto_core_ed25519_is_valid_point is stricter and so is not used.
 */
#ifndef PS_ED25519_H
#define PS_ED25519_H

#include <stdbool.h>
#include <stdint.h>

/*
 * ps_ed25519_is_on_curve returns true when the 32 bytes at `p` decode to
 * a point of edwards25519 (see above).  Any input is safe; constant
 * work, about 510 field squarings.
 */
extern bool ps_ed25519_is_on_curve(const uint8_t p[32]);

#endif							/* PS_ED25519_H */
