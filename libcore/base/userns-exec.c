/* SPDX-License-Identifier: Apache-2.0 */
/* Running a command in the rootless user namespace (`berth unshare`) and the built-in pause loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "base.h"

void userns_pause(void)
{
        /* catatonit -P semantics: exit 0 on SIGTERM or SIGINT (SIGINT is
         * ignored, hence discarded, in a pause process we start, as in
         * podman's), reap children as a subreaper, ignore the rest. */
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        prctl(PR_SET_NAME, "berth pause", 0, 0, 0);
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        for (;;) {
                int sig = sigwaitinfo(&all, NULL);
                if (sig == SIGTERM || sig == SIGINT)
                        _exit(0);
                if (sig == SIGCHLD)
                        while (waitpid(-1, NULL, WNOHANG) > 0)
                                ;
        }
}

int userns_exec(char *const *argv, const char *graphroot, const char *runroot, struct err *e)
{
        char *shell[2] = {NULL, NULL};
        if (!argv || !argv[0]) {
                const char *sh = getenv("SHELL");
                shell[0] = (char *)(sh && *sh ? sh : "/bin/sh");
                argv = shell;
        }
        /* What `podman unshare` tells the command about the store. */
        if (graphroot)
                setenv("CONTAINERS_GRAPHROOT", graphroot, 1);
        if (runroot)
                setenv("CONTAINERS_RUNROOT", runroot, 1);
        fflush(NULL);
        execvp(argv[0], argv);
        int errnum = errno;
        if (errnum == ENOENT && !strchr(argv[0], '/'))
                return err_set(e, ENOENT, "exec '%s': executable file not found in $PATH", argv[0]);
        return err_errnum(e, errnum, "exec '%s'", argv[0]);
}
