/* The timer interrupt source: the local APIC timer, programmed for the next kernel timer (sched/timer.c). */
#ifndef ASM_TIMER_H
#define ASM_TIMER_H

/* Starts this CPU's timer interrupts and its tick (needs the clock, the local APIC and per-CPU data). */
void arch_timer_start(void);

#endif
