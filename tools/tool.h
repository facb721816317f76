/*
 * What the files of the gss-sodium tool share.  gss-sodium.c holds main,
 * the command table and these helpers, keygen, pubkey and check;
 * sealkey.c the sealkey commands and the keyring edits; inspect.c inspect.
 */
#ifndef TOOL_H
#define TOOL_H

#include <stddef.h>
#include <gssapi/gssapi.h>

#include "files.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2

/* A command or a sealkey subcommand: argv[0] is its name. */
struct command {
	const char *name;
	int (*run)(int, char **);
};

/* Arguments of every command: at most one operand (a NAME, an ID or the
 * token FILE of inspect) and one '-f FILE'; each command says which it takes. */
struct arguments {
	const char *name, *file;
	int help;
};

/* gss-sodium.c */
int usage_error(const char *usage, const char *fmt, const char *arg);
int report(OM_uint32 minor);
int dispatch(const struct command *commands, size_t count, int argc,
	     char **argv, const char *usage);
int parse_arguments(int argc, char **argv, const char *usage,
		    struct arguments *a);
int file_path(enum sm_file which, const char *file, char *path);
int make_parent_directories(const char *path);
int append_key(const char *path, const char *line, size_t len);

/* The commands that have a file of their own. */
int cmd_sealkey(int argc, char **argv);		/* sealkey.c */
int cmd_inspect(int argc, char **argv);		/* inspect.c */

#endif
