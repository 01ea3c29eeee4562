/* SPDX-License-Identifier: Apache-2.0 */
/* store_wipe: empty the store as `podman system reset` does. */
#include <dirent.h>
#include <errno.h>
#include <sys/mount.h>

#include "store-private.h"

DEFINE_CLEANUP_FUNC(DIR *, closedir)

static int unmount_all_under(const char *dir, struct err *e)
{
        /* Deepest first; a leftover self-bind of the overlay home (T14)
         * is among them and must go before anything can be removed. */
        for (int round = 0; round < 8; round++) {
                _cleanup_strv_ char **mps = storage_mounts_under(dir);
                if (!mps)
                        return 0;
                bool any = false;
                for (char **m = mps; *m; m++) {
                        /* The root itself may be a volume the user mounted. */
                        if (STREQ(*m, dir))
                                continue;
                        any = true;
                        if (umount2(*m, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                                return err_errno(e, "unmount '%s'", *m);
                }
                if (!any)
                        return 0;
        }
        return 0;
}

static int empty_dir(const char *dir, struct err *e)
{
        _cleanup_(closedirp) DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : err_errno(e, "open '%s'", dir);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                int r = storage_rm_rf(dirfd(d), de->d_name, NULL, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int store_wipe(struct store *s, struct err *e)
{
        const unsigned mask =
                LK_STORAGE | LK_LAYERS | LK_MOUNTS | LK_IMAGES | LK_CONTAINERS | LK_KEEP_INCOMPLETE;
        int r = store_lock(s, mask, e);
        if (r < 0)
                return err_wrap(e, "wiping store '%s'", s->graphroot);
        r = unmount_all_under(s->graphroot, e);
        if (r >= 0)
                r = unmount_all_under(s->runroot, e);
        if (r >= 0)
                r = empty_dir(s->graphroot, e);
        if (r >= 0)
                r = empty_dir(s->runroot, e);
        /* The lock files are gone with the rest: drop our state without
         * saving, then lay out a fresh, empty store for this handle. */
        records_abort(&s->containers);
        records_abort(&s->images);
        records_abort(&s->mounts);
        records_abort(&s->layers);
        (void)lockfile_unlock(s->storage_lock, NULL);
        if (r >= 0)
                r = store_reinit(s, e);
        pthread_mutex_unlock(&s->mu);
        if (r < 0)
                return err_wrap(e, "wiping store '%s'", s->graphroot);
        return 0;
}
