#include "asm/cpufeature.h"
#include "core/random.h"
#include "lib/string.h"

/* RDSEED/RDRAND may transiently fail (carry clear); Intel suggests up to 10 retries. */
#define HW_RETRIES 10

static bool rdseed64(uint64_t *v)
{
	for (int i = 0; i < HW_RETRIES; i++) {
		unsigned char ok;
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < HW_RETRIES; i++) {
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

size_t arch_hardware_entropy(uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got + 8 <= n) {
		uint64_t v;
		if (!(cpu_features.rdseed && rdseed64(&v)) && !(cpu_features.rdrand && rdrand64(&v)))
			break;
		memcpy(buf + got, &v, 8);
		got += 8;
	}
	return got;
}
