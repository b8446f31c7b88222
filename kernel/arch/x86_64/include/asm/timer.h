/* The tick source: the local APIC timer, re-armed TICK_HZ times a second. */
#ifndef ASM_TIMER_H
#define ASM_TIMER_H

/* Starts the tick on this CPU (needs the clock and the local APIC). */
void timer_init(void);

#endif
