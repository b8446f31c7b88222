/*
 * The console terminal: Linux's n_tty line discipline in small. Input bytes
 * arrive from the serial interrupt (console_input_byte -> tty_input) and are
 * processed at once: canonical line editing with echo, erase, kill and
 * word-erase, ^D end of file, and ^C/^\/^Z as signals to the foreground
 * process group. Readers get whole lines (canonical) or bytes (raw/cbreak,
 * with VMIN/VTIME). Output is post-processed (ONLCR) and written to the UART.
 */
#include "fd/tty.h"

#include "core/clock.h"
#include "core/console.h"
#include "fd/file.h"
#include "fd/ioctl.h"
#include "fd/poll.h"
#include "ipc/server.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "sched/sched.h"

#define TTY_BUF_SIZE 4096
#define DEFAULT_ROWS 24
#define DEFAULT_COLS 80
#define CTRL(c) ((c) & 0x1f)
#define DEL 0x7f

struct tty {
	struct spinlock lock;          /* everything below; taken in interrupt context */
	struct linux_termios termios;
	struct linux_winsize winsize;
	char line[TTY_BUF_SIZE];       /* canonical mode: the line being edited */
	size_t line_len;
	char ready[TTY_BUF_SIZE];      /* bytes readers may take (ring) */
	uint64_t ready_head, ready_tail;
	unsigned eof_marks;            /* ^D on an empty line: one read returns 0 for each */
	int session;                   /* session it controls (0: none) */
	int pgrp;                      /* foreground process group */
	struct wait_queue wait;
};

static struct tty console = {
	.lock = SPINLOCK_INIT("tty"),
	.termios = {
		.c_iflag = ICRNL | IXON | IUTF8,
		.c_oflag = OPOST | ONLCR,
		.c_cflag = B38400 | CS8 | CREAD | HUPCL,
		.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
		.c_cc = {[VINTR] = CTRL('C'), [VQUIT] = 0x1c, [VERASE] = DEL, [VKILL] = CTRL('U'),
			 [VEOF] = CTRL('D'), [VTIME] = 0, [VMIN] = 1, [VSTART] = CTRL('Q'), [VSTOP] = CTRL('S'),
			 [VSUSP] = CTRL('Z'), [VREPRINT] = CTRL('R'), [VWERASE] = CTRL('W'), [VLNEXT] = CTRL('V')},
	},
	.winsize = {DEFAULT_ROWS, DEFAULT_COLS, 0, 0},
	.wait = WAIT_QUEUE_INIT(console.wait),
};

static uint64_t ready_count(const struct tty *t) { return t->ready_head - t->ready_tail; }

/* Output with ONLCR; from interrupt or thread context. */
static void tty_output(struct tty *t, const char *s, size_t n)
{
	if ((t->termios.c_oflag & OPOST) && (t->termios.c_oflag & ONLCR)) {
		console_write(s, n); /* the console turns \n into \r\n */
		return;
	}
	console_write_raw(s, n);
}

static void echo_char(struct tty *t, char c)
{
	if (!(t->termios.c_lflag & ECHO)) {
		if (c == '\n' && (t->termios.c_lflag & ECHONL))
			tty_output(t, "\n", 1);
		return;
	}
	unsigned char u = (unsigned char)c;
	if ((t->termios.c_lflag & ECHOCTL) && (u < 0x20 || u == DEL) && c != '\n' && c != '\t') {
		char buf[2] = {'^', (char)(u == DEL ? '?' : u + '@')};
		tty_output(t, buf, 2);
		return;
	}
	tty_output(t, &c, 1);
}

static void erase_one(struct tty *t)
{
	if (t->line_len == 0)
		return;
	unsigned char u = (unsigned char)t->line[--t->line_len];
	if ((t->termios.c_lflag & ECHO) && (t->termios.c_lflag & ECHOE)) {
		tty_output(t, "\b \b", 3);
		if ((t->termios.c_lflag & ECHOCTL) && (u < 0x20 || u == DEL) && u != '\t')
			tty_output(t, "\b \b", 3);
	}
}

static void push_ready(struct tty *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n && ready_count(t) < TTY_BUF_SIZE; i++)
		t->ready[t->ready_head++ % TTY_BUF_SIZE] = s[i];
}

/* Sends sig to the foreground group; caller holds the tty lock. */
static void signal_foreground(struct tty *t, int sig)
{
	if (t->pgrp <= 0)
		return;
	if (!(t->termios.c_lflag & NOFLSH)) {
		t->line_len = 0;
		t->ready_tail = t->ready_head;
	}
	int pgrp = t->pgrp;
	spin_unlock(&t->lock);
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	signal_send_group_locked(pgrp, sig, NULL);
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	spin_lock(&t->lock);
}

static void input_char(struct tty *t, char c)
{
	const struct linux_termios *tio = &t->termios;

	if (tio->c_iflag & ISTRIP)
		c &= 0x7f;
	if (c == '\r') {
		if (tio->c_iflag & IGNCR)
			return;
		if (tio->c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (tio->c_iflag & INLCR)) {
		c = '\r';
	}
	if (tio->c_lflag & ISIG) {
		int sig = 0;
		if (c == (char)tio->c_cc[VINTR])
			sig = SIGINT;
		else if (c == (char)tio->c_cc[VQUIT])
			sig = SIGQUIT;
		else if (c == (char)tio->c_cc[VSUSP])
			sig = SIGTSTP;
		if (sig != 0) {
			echo_char(t, c);
			if (t->termios.c_lflag & ECHO)
				tty_output(t, "\n", 1);
			signal_foreground(t, sig);
			wake_up_all(&t->wait);
			return;
		}
	}
	if (!(tio->c_lflag & ICANON)) {
		push_ready(t, &c, 1);
		echo_char(t, c);
		wake_up_all(&t->wait);
		return;
	}
	if (c == (char)tio->c_cc[VERASE] || c == '\b') {
		erase_one(t);
	} else if (c == (char)tio->c_cc[VKILL]) {
		while (t->line_len > 0)
			erase_one(t);
	} else if (c == (char)tio->c_cc[VWERASE] && (tio->c_lflag & IEXTEN)) {
		while (t->line_len > 0 && t->line[t->line_len - 1] == ' ')
			erase_one(t);
		while (t->line_len > 0 && t->line[t->line_len - 1] != ' ')
			erase_one(t);
	} else if (c == (char)tio->c_cc[VEOF]) {
		if (t->line_len == 0)
			t->eof_marks++;
		push_ready(t, t->line, t->line_len);
		t->line_len = 0;
		wake_up_all(&t->wait);
	} else if (c == '\n' || (tio->c_cc[VEOL] != 0 && c == (char)tio->c_cc[VEOL])) {
		if (t->line_len < TTY_BUF_SIZE)
			t->line[t->line_len++] = c;
		echo_char(t, c);
		push_ready(t, t->line, t->line_len);
		t->line_len = 0;
		wake_up_all(&t->wait);
	} else if (t->line_len < TTY_BUF_SIZE - 1) {
		t->line[t->line_len++] = c;
		echo_char(t, c);
	}
}

void tty_input(char c)
{
	uint64_t flags = spin_lock_irqsave(&console.lock);
	input_char(&console, c);
	spin_unlock_irqrestore(&console.lock, flags);
}

/* Background readers get SIGTTIN (job control); returns 0 to go on or an error. */
static int64_t check_background_read(struct tty *t)
{
	struct process *p = current_process();

	if (t->session == 0 || p->sid != t->session || p->pgid == t->pgrp)
		return 0;
	if (signal_ignored(p, SIGTTIN) || (current_thread()->sig_blocked & SIG_BIT(SIGTTIN)))
		return -EIO;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	signal_send_group_locked(p->pgid, SIGTTIN, NULL);
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return -ERESTARTSYS;
}

/* Is a read satisfiable now (POSIX VMIN/VTIME rules, simplified)? Caller holds the lock. */
static bool read_ready(struct tty *t, uint64_t start_ns, uint64_t *deadline)
{
	if (t->termios.c_lflag & ICANON)
		return ready_count(t) > 0 || t->eof_marks > 0;
	unsigned vmin = t->termios.c_cc[VMIN], vtime = t->termios.c_cc[VTIME];
	uint64_t count = ready_count(t);
	if (count >= (vmin == 0 ? 1u : vmin))
		return true;
	if (vtime == 0)
		return vmin == 0; /* MIN 0, TIME 0: polling read */
	if (vmin > 0 && count == 0)
		return false; /* the timer starts with the first byte */
	*deadline = start_ns + (uint64_t)vtime * 100 * NSEC_PER_MSEC;
	return clock_monotonic_ns() >= *deadline;
}

static int64_t tty_read(struct file *f, uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct tty *t = f->priv;
	char buf[TTY_BUF_SIZE];
	struct waiter w;
	uint64_t start = clock_monotonic_ns(), deadline = 0;
	int64_t err = check_background_read(t);

	(void)pos;
	if (err != 0)
		return err;
	if (len == 0)
		return 0;
	waiter_add(&t->wait, &w);
	uint64_t flags = spin_lock_irqsave(&t->lock);
	for (;;) {
		sched_prepare_block();
		if (read_ready(t, start, &deadline))
			break;
		if (f->flags & O_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending_current()) {
			err = -ERESTARTSYS;
			break;
		}
		spin_unlock_irqrestore(&t->lock, flags);
		if (deadline != 0)
			schedule_until(deadline);
		else
			schedule();
		flags = spin_lock_irqsave(&t->lock);
	}
	sched_cancel_block();
	size_t n = 0;
	if (err == 0) {
		bool canon = (t->termios.c_lflag & ICANON) != 0;
		while (n < len && n < sizeof(buf) && ready_count(t) > 0) {
			char c = t->ready[t->ready_tail++ % TTY_BUF_SIZE];
			buf[n++] = c;
			if (canon && c == '\n')
				break;
		}
		if (n == 0 && t->eof_marks > 0)
			t->eof_marks--;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	waiter_remove(&w);
	if (err != 0)
		return err;
	if (copy_to_user(ubuf, buf, n) != 0)
		return -EFAULT;
	return (int64_t)n;
}

static int64_t tty_write(struct file *f, uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct tty *t = f->priv;
	char buf[512];
	size_t done = 0;

	(void)pos;
	while (done < len) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		if (copy_from_user(buf, ubuf + done, n) != 0)
			return done > 0 ? (int64_t)done : -EFAULT;
		if (proc_is_io_server(current_process()))
			io_server_log(buf, n); /* kept to explain its death, should it die */
		tty_output(t, buf, n);
		done += n;
	}
	return (int64_t)done;
}

static unsigned tty_poll(struct file *f, struct poll_table *pt)
{
	struct tty *t = f->priv;

	poll_wait(pt, &t->wait);
	uint64_t flags = spin_lock_irqsave(&t->lock);
	bool readable = ready_count(t) > 0 || ((t->termios.c_lflag & ICANON) && t->eof_marks > 0);
	spin_unlock_irqrestore(&t->lock, flags);
	return (readable ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}

static long set_foreground(struct tty *t, uint64_t arg)
{
	int32_t pgrp;

	if (get_user(pgrp, arg) != 0)
		return -EFAULT;
	if (pgrp <= 0)
		return -EINVAL;
	struct process *p = current_process();
	if (t->session != 0 && p->sid != t->session)
		return -ENOTTY;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	bool exists = false;
	for (struct list_node *n = proc_all.next; n != &proc_all; n = n->next) {
		struct process *q = list_entry(n, struct process, all_link);
		if (q->pgid == pgrp && q->sid == p->sid)
			exists = true;
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	if (!exists)
		return -EPERM;
	flags = spin_lock_irqsave(&t->lock);
	t->pgrp = pgrp;
	spin_unlock_irqrestore(&t->lock, flags);
	return 0;
}

static long tty_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct tty *t = f->priv;
	struct linux_termios tio;
	uint64_t flags;

	switch (cmd) {
	case TCGETS:
		flags = spin_lock_irqsave(&t->lock);
		tio = t->termios;
		spin_unlock_irqrestore(&t->lock, flags);
		return copy_to_user(arg, &tio, sizeof(tio));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (copy_from_user(&tio, arg, sizeof(tio)) != 0)
			return -EFAULT;
		flags = spin_lock_irqsave(&t->lock);
		if (cmd == TCSETSF) {
			t->ready_tail = t->ready_head;
			t->line_len = 0;
			t->eof_marks = 0;
		}
		/* Leaving canonical mode hands the partial line to readers. */
		if ((t->termios.c_lflag & ICANON) && !(tio.c_lflag & ICANON)) {
			push_ready(t, t->line, t->line_len);
			t->line_len = 0;
		}
		t->termios = tio;
		spin_unlock_irqrestore(&t->lock, flags);
		wake_up_all(&t->wait);
		return 0;
	case TIOCGWINSZ:
		return copy_to_user(arg, &t->winsize, sizeof(t->winsize));
	case TIOCSWINSZ: {
		struct linux_winsize ws;
		if (copy_from_user(&ws, arg, sizeof(ws)) != 0)
			return -EFAULT;
		t->winsize = ws;
		if (t->pgrp > 0) {
			flags = spin_lock_irqsave(&proc_tree_lock);
			signal_send_group_locked(t->pgrp, SIGWINCH, NULL);
			spin_unlock_irqrestore(&proc_tree_lock, flags);
		}
		return 0;
	}
	case TIOCGPGRP:
		return put_user(arg, (int32_t)t->pgrp);
	case TIOCSPGRP:
		return set_foreground(t, arg);
	case TIOCGSID:
		if (t->session == 0)
			return -ENOTTY;
		return put_user(arg, (int32_t)t->session);
	case TIOCSCTTY: {
		struct process *p = current_process();
		if (p->sid != p->pid)
			return -EPERM; /* only a session leader */
		if (t->session != 0 && t->session != p->sid && arg != 1)
			return -EPERM;
		t->session = p->sid;
		t->pgrp = p->pgid;
		return 0;
	}
	case TIOCNOTTY: {
		struct process *p = current_process();
		if (p->sid == t->session && p->sid == p->pid) {
			t->session = 0;
			t->pgrp = 0;
		}
		return 0;
	}
	case FIONREAD: {
		flags = spin_lock_irqsave(&t->lock);
		int32_t n = (int32_t)ready_count(t);
		spin_unlock_irqrestore(&t->lock, flags);
		return put_user(arg, n);
	}
	case TIOCOUTQ:
		return put_user(arg, (int32_t)0);
	case TCFLSH:
		flags = spin_lock_irqsave(&t->lock);
		if (arg == 0 || arg == 2) {
			t->ready_tail = t->ready_head;
			t->line_len = 0;
		}
		spin_unlock_irqrestore(&t->lock, flags);
		return 0;
	case TCSBRK:
	case TCXONC:
		return 0;
	default:
		return -ENOTTY;
	}
}

static int tty_stat(struct file *f, struct kstat *st)
{
	(void)f;
	st->mode = S_IFCHR | 0620;
	st->nlink = 1;
	st->rdev = TTY_CONSOLE_DEV;
	st->blksize = 1024;
	return 0;
}

const struct file_ops tty_ops = {
	.name = "tty",
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
	.stat = tty_stat,
};

struct file *tty_open_console(unsigned flags)
{
	return file_create(&tty_ops, flags, &console);
}

void tty_set_controlling(int session, int pgrp)
{
	uint64_t flags = spin_lock_irqsave(&console.lock);
	console.session = session;
	console.pgrp = pgrp;
	spin_unlock_irqrestore(&console.lock, flags);
}

void tty_get_controlling(int *session, int *pgrp)
{
	uint64_t flags = spin_lock_irqsave(&console.lock);
	*session = console.session;
	*pgrp = console.pgrp;
	spin_unlock_irqrestore(&console.lock, flags);
}

bool tty_is_console(const struct file *f)
{
	return f->ops == &tty_ops;
}
