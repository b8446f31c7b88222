/* Interrupt and exception entry: the saved register frame and vector numbers. */
#ifndef ASM_TRAP_H
#define ASM_TRAP_H

#include <stdint.h>

/* Exception vectors (Intel SDM vol. 3A, 6.3.1). */
#define VEC_DIVIDE 0
#define VEC_DEBUG 1
#define VEC_NMI 2
#define VEC_BREAKPOINT 3
#define VEC_INVALID_OPCODE 6
#define VEC_DOUBLE_FAULT 8
#define VEC_GP 13
#define VEC_PAGE_FAULT 14
#define VEC_X87_FP 16
#define VEC_ALIGNMENT 17
#define VEC_MACHINE_CHECK 18
#define VEC_SIMD_FP 19
#define VEC_STACK_FAULT 12

/* Page-fault error code bits (SDM vol. 3A, 4.7). */
#define PF_PRESENT 0x1
#define PF_WRITE 0x2
#define PF_USER 0x4
#define PF_INSTRUCTION 0x10
#define VEC_EXCEPTION_COUNT 32

/* Device and IPI vectors. */
#define VEC_PIC_BASE 0x20     /* the masked 8259s are moved here, out of the way */
#define VEC_IRQ_BASE 0x30     /* I/O APIC GSI n -> VEC_IRQ_BASE + n */
#define VEC_MSI_BASE 0xa0     /* MSI vectors for devices the I/O server drives: 0xa0-0xdf */
#define VEC_IRQ_LIMIT 0xe0
#define VEC_LAPIC_TIMER 0xf0
#define VEC_IPI_RESCHEDULE 0xf1
#define VEC_IPI_TLB 0xf2
#define VEC_LAPIC_ERROR 0xfe
#define VEC_SPURIOUS 0xff

/* Interrupt stack table slots (TSS.IST1..7). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

/* Pushed by isr.S; the order matches the push sequence there. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_fn)(struct trap_frame *frame, void *ctx);

/* Installs the IDT (all 256 vectors). */
void idt_init(void);
/* Loads the (shared) IDT on another CPU. */
void idt_load(void);
/* Routes a vector >= 32 to handler; the handler runs with interrupts off. */
void trap_register(unsigned vector, irq_handler_fn handler, void *ctx);
/* Called from isr.S. */
void trap_dispatch(struct trap_frame *frame);

#endif
