/* Character devices the kernel serves itself: null, zero, full, random, urandom, console, tty. */
#ifndef FD_DEVICES_H
#define FD_DEVICES_H

#include <stdint.h>

struct file;

#define DEV_MAKE(major, minor) (((uint32_t)(major) << 8) | (uint32_t)(minor))

/* Opens the device with this number; -ENXIO if the kernel has no such device. */
int device_open(uint32_t rdev, unsigned flags, struct file **out);

#endif
