/* CRC-32 (zlib's, PNG's, gzip's: polynomial 0xEDB88320 reflected, initial
 * value and final XOR 0xFFFFFFFF) over buffers of any size. */
#ifndef LN_CRC32_H
#define LN_CRC32_H
#include <stddef.h>
#include <stdint.h>

/* The CRC of crc's bytes followed by p[0..n): start with crc = 0
 * (ln_crc32(0, p, n) is zlib's crc32 of p). n may exceed 4 GiB. */
uint32_t ln_crc32(uint32_t crc, const void *p, size_t n);

#endif
