/*
 * The kernel's random number generator: ChaCha20 keyed from hardware entropy
 * (RDSEED/RDRAND where the CPU has them) and TSC jitter, with fast key erasure
 * (each request first replaces the key), as getrandom(2), /dev/urandom and
 * AT_RANDOM need.
 */
#ifndef CORE_RANDOM_H
#define CORE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

void random_init(void);
void random_bytes(void *buf, size_t n);
uint64_t random_u64(void);

/* Arch: fills buf with hardware entropy; returns the bytes it could get. */
size_t arch_hardware_entropy(uint8_t *buf, size_t n);

#endif
