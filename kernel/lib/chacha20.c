#include "lib/chacha20.h"

static uint32_t rotl(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#define QUARTER_ROUND(a, b, c, d)                                 \
	do {                                                      \
		x[a] += x[b], x[d] = rotl(x[d] ^ x[a], 16);       \
		x[c] += x[d], x[b] = rotl(x[b] ^ x[c], 12);       \
		x[a] += x[b], x[d] = rotl(x[d] ^ x[a], 8);        \
		x[c] += x[d], x[b] = rotl(x[b] ^ x[c], 7);        \
	} while (0)

void chacha20_block(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter, const uint8_t nonce[CHACHA20_NONCE_SIZE],
		    uint8_t out[CHACHA20_BLOCK_SIZE])
{
	/* "expand 32-byte k" */
	uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	uint32_t x[16];

	for (int i = 0; i < 8; i++)
		s[4 + i] = load32(key + 4 * i);
	s[12] = counter;
	for (int i = 0; i < 3; i++)
		s[13 + i] = load32(nonce + 4 * i);
	for (int i = 0; i < 16; i++)
		x[i] = s[i];
	for (int round = 0; round < 10; round++) {
		QUARTER_ROUND(0, 4, 8, 12);
		QUARTER_ROUND(1, 5, 9, 13);
		QUARTER_ROUND(2, 6, 10, 14);
		QUARTER_ROUND(3, 7, 11, 15);
		QUARTER_ROUND(0, 5, 10, 15);
		QUARTER_ROUND(1, 6, 11, 12);
		QUARTER_ROUND(2, 7, 8, 13);
		QUARTER_ROUND(3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++)
		store32(out + 4 * i, x[i] + s[i]);
}
