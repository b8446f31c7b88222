/*
 * The I/O server: the first process, started by the kernel from the boot
 * initramfs with the file-server and device rights. When it calls TERN_SYS_SERVE
 * the kernel maps the file channel into it and starts init; from then on every
 * file system call goes to it (fd/remote.h).
 *
 * It is supervised: if it exits or is killed, nothing can use files any more,
 * so the kernel says why, shows the last lines it wrote to the console, and
 * powers off with EXIT_STATUS_SERVER_DIED rather than hanging every client.
 */
#ifndef IPC_SERVER_H
#define IPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct process;

/* Starts the server program (a path in the initramfs archive); boot_fail if it cannot run. */
void io_server_start(const char *path);
bool proc_is_io_server(const struct process *p);
/* The server's last thread is leaving: report and power off (does not return). */
__attribute__((noreturn)) void io_server_died(struct process *p);
/* Console output written by the server, kept for the report above. */
void io_server_log(const char *buf, size_t len);

/* The native calls only the server may make (TERN_CAP_FS_SERVER). */
long io_server_serve(uint64_t uinfo);
long io_server_wait(uint64_t uevents, uint64_t timeout_ns);
long io_server_initrd(uint64_t uinfo);
/* Delivers notification bits to the server (device interrupts). */
void io_server_notify(uint64_t bits);

#endif
