/*
 * The system's names as uname(2) and /proc/sys/kernel report them. A
 * Linux-compatible release: static binaries (glibc) compare it against the
 * kernel version they need; 6.1 is what the baseline Linux guest runs.
 */
#ifndef LINUX_UTS_H
#define LINUX_UTS_H

#define UTS_SYSNAME "Linux"
#define UTS_NODENAME "tern"
#define UTS_RELEASE "6.1.0-tern"
#define UTS_VERSION "#1 SMP Tern"
#define UTS_MACHINE "x86_64"
#define UTS_DOMAINNAME "(none)"

#endif
