/* uname [-a|-s|-n|-r|-v|-m]: system information. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	struct utsname u;

	if (uname(&u) != 0)
		return 1;
	if (argc < 2 || strcmp(argv[1], "-s") == 0)
		printf("%s\n", u.sysname);
	else if (strcmp(argv[1], "-a") == 0)
		printf("%s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version, u.machine);
	else if (strcmp(argv[1], "-n") == 0)
		printf("%s\n", u.nodename);
	else if (strcmp(argv[1], "-r") == 0)
		printf("%s\n", u.release);
	else if (strcmp(argv[1], "-v") == 0)
		printf("%s\n", u.version);
	else if (strcmp(argv[1], "-m") == 0)
		printf("%s\n", u.machine);
	else
		return 2;
	return 0;
}
