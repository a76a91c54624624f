/*
 * replay_main.c
 *	  main() for gcc builds of the fuzz targets: runs every file of the
 *	  directories (or files) named on the command line through
 *	  LLVMFuzzerTestOneInput once.
 */
#include "fuzz_common.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

static int
run_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf;
	long		n;

	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? n : 1);
	if (buf == NULL || fread(buf, 1, n, f) != (size_t) n)
	{
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t) n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int			i;
	int			runs = 0;

	for (i = 1; i < argc; i++)
	{
		struct stat st;
		DIR		   *d;
		struct dirent *e;

		if (stat(argv[i], &st) != 0)
			continue;
		if (!S_ISDIR(st.st_mode))
		{
			runs += run_file(argv[i]) == 0;
			continue;
		}
		d = opendir(argv[i]);
		while (d && (e = readdir(d)) != NULL)
		{
			char		path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			runs += run_file(path) == 0;
		}
		if (d)
			closedir(d);
	}
	/* the empty input always runs too */
	LLVMFuzzerTestOneInput((const uint8_t *) "", 0);
	printf("replayed %d inputs through %s\n", runs + 1, argv[0]);
	return 0;
}
