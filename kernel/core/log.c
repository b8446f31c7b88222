#include "core/log.h"

#include <stdbool.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/spinlock.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LOG_RING_SIZE (64 * 1024)
#define LOG_LINE_MAX 512

/* log_lock protects the ring. */
static struct spinlock log_lock = SPINLOCK_INIT("log");
static char ring[LOG_RING_SIZE];
static uint64_t ring_head; /* total bytes ever written */
static int console_level = LOG_DEFAULT_CONSOLE_LEVEL;
static bool panic_mode;

void log_set_console_level(int level)
{
	if (level < 0)
		level = 0;
	if (level > LOG_ALWAYS)
		level = LOG_ALWAYS;
	console_level = level;
}

int log_console_level(void)
{
	return console_level;
}

void log_enter_panic_mode(void)
{
	panic_mode = true;
}

static void ring_append(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ring[(ring_head + i) % LOG_RING_SIZE] = s[i];
	ring_head += n;
}

void vprintk(int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len = 0;

	if (clock_ready()) {
		uint64_t ns = clock_monotonic_ns();
		len = (size_t)ksnprintf(line, sizeof(line), "[%5llu.%06llu] ", (unsigned long long)(ns / NSEC_PER_SEC),
					(unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_USEC));
	} else {
		len = (size_t)ksnprintf(line, sizeof(line), "[    0.000000] ");
	}
	int n = kvsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n < 0)
		n = 0;
	len += (size_t)n;
	if (len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n'; /* a truncated line still ends the line */
	}

	if (panic_mode) {
		ring_append(line, len);
		console_write_unlocked(line, len);
		return;
	}
	uint64_t flags = spin_lock_irqsave(&log_lock);
	ring_append(line, len);
	spin_unlock_irqrestore(&log_lock, flags);
	if (level < console_level || level == LOG_ALWAYS)
		console_write(line, len);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

size_t log_read_tail(char *buf, size_t size)
{
	uint64_t flags = 0;

	if (!panic_mode)
		flags = spin_lock_irqsave(&log_lock);
	uint64_t avail = ring_head < LOG_RING_SIZE ? ring_head : LOG_RING_SIZE;
	size_t n = size < avail ? size : (size_t)avail;
	uint64_t start = ring_head - n;
	for (size_t i = 0; i < n; i++)
		buf[i] = ring[(start + i) % LOG_RING_SIZE];
	if (!panic_mode)
		spin_unlock_irqrestore(&log_lock, flags);
	return n;
}
