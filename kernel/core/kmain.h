/* The generic kernel's entry, called by the arch code once CPUs, memory, interrupts and time work. */
#ifndef CORE_KMAIN_H
#define CORE_KMAIN_H

__attribute__((noreturn)) void kmain(void);

#endif
