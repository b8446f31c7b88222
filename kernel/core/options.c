#include "core/options.h"

#include <stdbool.h>

#include "core/log.h"
#include "core/panic.h"
#include "lib/cmdline.h"
#include "lib/printf.h"
#include "lib/string.h"

#define DEFAULT_INIT "/sbin/init"
#define DEFAULT_IO_SERVER "/sbin/iod"
#define QUIET_LOGLEVEL 4

struct kernel_options kernel_options = {.init = DEFAULT_INIT, .io_server = DEFAULT_IO_SERVER};

/* Words that belong to the VMM, boot loader or other programs: silently accepted. */
static const char *const foreign_options[] = {
	"console", "earlyprintk", "reboot", "pci", "acpi", "noapic", "nolapic", "tsc", "virtio_mmio.device",
	"root", "rw", "ro", "rootfstype", "nokaslr", "mitigations",
};

static void warn_word(const char *why, const char *key, const char *value)
{
	char k[96], v[96];

	str_escape(key, k, sizeof(k));
	str_escape(value != NULL ? value : "", v, sizeof(v));
	pr_warn("cmdline: %s '%s%s%s', ignored\n", why, k, value != NULL ? "=" : "", v);
}

static bool is_foreign(const char *key)
{
	for (size_t i = 0; i < sizeof(foreign_options) / sizeof(foreign_options[0]); i++) {
		if (strcmp(key, foreign_options[i]) == 0)
			return true;
	}
	return false;
}

/* Keeps a copy of s for init; false when the room is used up. */
static const char *keep(const char *s)
{
	size_t len = strlen(s) + 1;

	if (kernel_options.strings_used + len > sizeof(kernel_options.strings))
		return NULL;
	char *copy = kernel_options.strings + kernel_options.strings_used;
	memcpy(copy, s, len);
	kernel_options.strings_used += len;
	return copy;
}

/* Hands a word to init: an argument, or (key=value before "--") an environment variable. */
static void pass_to_init(const char *key, const char *value, bool as_argument)
{
	char word[CMDLINE_KEY_MAX + CMDLINE_VALUE_MAX + 1];
	const char *copy = NULL;

	if (value != NULL)
		ksnprintf(word, sizeof(word), "%s=%s", key, value);
	else
		strlcpy(word, key, sizeof(word));
	if (as_argument || value == NULL) {
		if (kernel_options.nargs < OPTIONS_INIT_ARGS && (copy = keep(word)) != NULL)
			kernel_options.init_args[kernel_options.nargs++] = copy;
	} else if (kernel_options.nenv < OPTIONS_INIT_ENV && (copy = keep(word)) != NULL) {
		kernel_options.init_env[kernel_options.nenv++] = copy;
	}
	if (copy == NULL)
		warn_word("too many words for init", key, value);
}

static bool after_dashes;

#define IO_SERVER_PREFIX "iod."

static void apply_word(void *ctx, const char *key, const char *value, bool truncated)
{
	unsigned long long n;

	(void)ctx;
	if (after_dashes) {
		if (!truncated)
			pass_to_init(key, value, true);
		return;
	}
	if (strcmp(key, "--") == 0 && value == NULL) {
		after_dashes = true;
		return;
	}
	if (strncmp(key, IO_SERVER_PREFIX, sizeof(IO_SERVER_PREFIX) - 1) == 0 && !truncated) {
		/* "iod.NAME=VALUE" is the I/O server's: it gets "NAME=VALUE" as an argument. */
		char word[CMDLINE_KEY_MAX + CMDLINE_VALUE_MAX + 1];
		const char *copy = NULL;
		ksnprintf(word, sizeof(word), "%s%s%s", key + sizeof(IO_SERVER_PREFIX) - 1, value != NULL ? "=" : "",
			  value != NULL ? value : "");
		if (kernel_options.n_io_args < OPTIONS_IO_ARGS && (copy = keep(word)) != NULL)
			kernel_options.io_args[kernel_options.n_io_args++] = copy;
		else
			warn_word("too many words for the I/O server", key, value);
		return;
	}
	if (truncated) {
		warn_word("overlong option", key, value);
		return;
	}
	if (strcmp(key, "loglevel") == 0) {
		if (value == NULL || !cmdline_parse_u64(value, &n) || n > LOG_ALWAYS)
			warn_word("bad value (0..8) in", key, value);
		else
			log_set_console_level((int)n);
	} else if (strcmp(key, "quiet") == 0 && value == NULL) {
		log_set_console_level(QUIET_LOGLEVEL);
	} else if (strcmp(key, "init") == 0) {
		if (value == NULL || value[0] != '/' || strlen(value) >= OPTIONS_PATH_MAX)
			warn_word("bad path (absolute, < 256 bytes) in", key, value);
		else
			strlcpy(kernel_options.init, value, sizeof(kernel_options.init));
	} else if (strcmp(key, "io") == 0) {
		if (value == NULL || value[0] != '/' || strlen(value) >= OPTIONS_PATH_MAX)
			warn_word("bad path (absolute, < 256 bytes) in", key, value);
		else
			strlcpy(kernel_options.io_server, value, sizeof(kernel_options.io_server));
	} else if (strcmp(key, "panic") == 0) {
		if (value != NULL && strcmp(value, "poweroff") == 0)
			panic_set_action(PANIC_POWEROFF);
		else if (value != NULL && strcmp(value, "halt") == 0)
			panic_set_action(PANIC_HALT);
		else
			warn_word("bad value (poweroff|halt) in", key, value);
	} else if (strcmp(key, "maxcpus") == 0) {
		if (value == NULL || !cmdline_parse_u64(value, &n) || n == 0 || n > 4096)
			warn_word("bad value (1..) in", key, value);
		else
			kernel_options.max_cpus = (unsigned)n;
	} else if (strcmp(key, "nosmp") == 0 && value == NULL) {
		kernel_options.max_cpus = 1;
	} else if (strcmp(key, "test") == 0) {
		if (value == NULL || value[0] == '\0' || strlen(value) >= OPTIONS_TEST_MAX)
			warn_word("bad value in", key, value);
		else
			strlcpy(kernel_options.test, value, sizeof(kernel_options.test));
	} else if (!is_foreign(key)) {
		/* Not ours: init gets it (Linux: "will be passed to user space"). */
		pr_info("cmdline: passing '%s%s%s' to init\n", key, value != NULL ? "=" : "", value != NULL ? value : "");
		pass_to_init(key, value, false);
	}
}

void options_parse(const char *cmdline, unsigned long len)
{
	cmdline_parse(cmdline, len, apply_word, NULL);
}
