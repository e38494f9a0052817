/* The project's own PRNG (xoshiro256**, seeded through splitmix64) and a
 * counter-based hash for draws keyed by (seed, epoch, sample). Identical
 * streams on every platform; never rand(). */
#ifndef LN_RNG_H
#define LN_RNG_H
#include <stdint.h>

typedef struct ln_rng { uint64_t s[4]; } ln_rng;

void ln_rng_seed(ln_rng *r, uint64_t seed);
uint64_t ln_rng_next(ln_rng *r);
/* uniform in [0, bound) without modulo bias (Lemire); bound > 0 */
uint32_t ln_rng_below(ln_rng *r, uint32_t bound);
/* uniform float in [0, 1) with 24 random bits */
float ln_rng_uniform(ln_rng *r);
/* Fisher-Yates shuffle of idx[0..n) */
void ln_rng_shuffle(ln_rng *r, uint32_t *idx, uint32_t n);
/* stateless 64-bit mix of a key (splitmix64 finaliser) */
uint64_t ln_hash64(uint64_t key);

#endif
