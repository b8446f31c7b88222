#include "core/console.h"

#include <stdint.h>

#include "core/arch.h"
#include "core/spinlock.h"
#include "fd/tty.h"

#define INPUT_RING_SIZE 256

/* console_lock serializes output; input_lock protects the input ring. */
static struct spinlock console_lock = SPINLOCK_INIT("console");
static struct spinlock input_lock = SPINLOCK_INIT("console-input");
static char input_ring[INPUT_RING_SIZE];
static uint32_t input_head, input_tail;

void console_write_unlocked(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			arch_console_write(s + start, i - start);
			arch_console_write("\r\n", 2);
			start = i + 1;
		}
	}
	arch_console_write(s + start, n - start);
}

void console_write(const char *s, size_t n)
{
	uint64_t flags = spin_lock_irqsave(&console_lock);
	console_write_unlocked(s, n);
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_write_raw(const char *s, size_t n)
{
	uint64_t flags = spin_lock_irqsave(&console_lock);
	arch_console_write(s, n);
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_input_byte(char c)
{
	tty_input(c);
	uint64_t flags = spin_lock_irqsave(&input_lock);
	if (input_head - input_tail < INPUT_RING_SIZE)
		input_ring[input_head++ % INPUT_RING_SIZE] = c;
	spin_unlock_irqrestore(&input_lock, flags);
}

bool console_read_byte(char *c)
{
	bool got = false;
	uint64_t flags = spin_lock_irqsave(&input_lock);
	if (input_tail != input_head) {
		*c = input_ring[input_tail++ % INPUT_RING_SIZE];
		got = true;
	}
	spin_unlock_irqrestore(&input_lock, flags);
	return got;
}
