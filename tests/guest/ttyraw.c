/*
 * ttyraw N: a helper for the console system tests (not a compared test: it
 * needs a terminal). Puts the terminal into raw mode (no echo, no line
 * editing, no signals), reads exactly N bytes, restores the old mode and
 * prints the bytes in hex, then the restored mode's ICANON/ECHO/ISIG bits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct termios old, raw;
	unsigned char buf[64];
	int want = argc > 1 ? atoi(argv[1]) : 1;

	if (want < 1 || want > (int)sizeof(buf) || tcgetattr(0, &old) != 0) {
		fprintf(stderr, "ttyraw: need a terminal and 1..64 bytes\n");
		return 2;
	}
	raw = old;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(0, TCSAFLUSH, &raw);
	printf("ttyraw: ready\n");
	fflush(stdout);
	int got = 0;
	while (got < want) {
		ssize_t n = read(0, buf + got, (size_t)(want - got));
		if (n <= 0)
			break;
		got += (int)n;
	}
	tcsetattr(0, TCSANOW, &old);
	struct termios now;
	tcgetattr(0, &now);
	printf("ttyraw: got");
	for (int i = 0; i < got; i++)
		printf(" %02x", buf[i]);
	printf("\nttyraw: restored icanon=%d echo=%d isig=%d\n", !!(now.c_lflag & ICANON), !!(now.c_lflag & ECHO),
	       !!(now.c_lflag & ISIG));
	return got == want ? 0 : 1;
}
