#include "core/random.h"

#include "core/arch.h"
#include "core/log.h"
#include "core/spinlock.h"
#include "lib/chacha20.h"
#include "lib/string.h"

#define JITTER_SAMPLES 256

/* random_lock protects key and counter. */
static struct spinlock random_lock = SPINLOCK_INIT("random");
static uint8_t key[CHACHA20_KEY_SIZE];
static uint64_t counter;

/* Folds data into the key: key = ChaCha20(key xor data-blocks). */
static void mix(const uint8_t *data, size_t n)
{
	uint8_t nonce[CHACHA20_NONCE_SIZE] = {0};
	uint8_t block[CHACHA20_BLOCK_SIZE];

	for (size_t off = 0; off < n; off += CHACHA20_KEY_SIZE) {
		for (size_t i = 0; i < CHACHA20_KEY_SIZE && off + i < n; i++)
			key[i] ^= data[off + i];
		chacha20_block(key, 0, nonce, block);
		memcpy(key, block, CHACHA20_KEY_SIZE);
	}
	memset(block, 0, sizeof(block));
}

void random_init(void)
{
	uint8_t hw[64];
	uint64_t jitter[JITTER_SAMPLES];
	size_t got = arch_hardware_entropy(hw, sizeof(hw));

	/* Timing jitter of memory accesses and the interrupt-driven boot so far. */
	volatile uint64_t sink = 0;
	for (int i = 0; i < JITTER_SAMPLES; i++) {
		uint64_t t0 = arch_cycles();
		for (int j = 0; j < (i & 15) + 1; j++)
			sink += (uint64_t)j * t0;
		jitter[i] = arch_cycles() - t0 + t0 * 0x9e3779b97f4a7c15ull;
	}
	uint64_t flags = spin_lock_irqsave(&random_lock);
	mix(hw, got);
	mix((const uint8_t *)jitter, sizeof(jitter));
	spin_unlock_irqrestore(&random_lock, flags);
	pr_info("random: seeded with %zu bytes of hardware entropy and TSC jitter\n", got);
}

void random_bytes(void *buf, size_t n)
{
	uint8_t *out = buf;
	uint8_t block[CHACHA20_BLOCK_SIZE];
	uint8_t nonce[CHACHA20_NONCE_SIZE] = {0};

	uint64_t flags = spin_lock_irqsave(&random_lock);
	/* Fast key erasure: the first block becomes the next key, the rest is output. */
	memcpy(nonce, &counter, sizeof(counter));
	counter++;
	chacha20_block(key, 0, nonce, block);
	uint8_t stream_key[CHACHA20_KEY_SIZE];
	memcpy(stream_key, block + CHACHA20_KEY_SIZE, CHACHA20_KEY_SIZE);
	memcpy(key, block, CHACHA20_KEY_SIZE);
	spin_unlock_irqrestore(&random_lock, flags);

	uint8_t stream_nonce[CHACHA20_NONCE_SIZE] = {0};
	for (uint32_t blk = 0; n > 0; blk++) {
		chacha20_block(stream_key, blk, stream_nonce, block);
		size_t k = n < sizeof(block) ? n : sizeof(block);
		memcpy(out, block, k);
		out += k;
		n -= k;
	}
	memset(block, 0, sizeof(block));
	memset(stream_key, 0, sizeof(stream_key));
}

uint64_t random_u64(void)
{
	uint64_t v;

	random_bytes(&v, sizeof(v));
	return v;
}
