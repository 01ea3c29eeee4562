/* SPDX-License-Identifier: Apache-2.0 */
/* Private to libcore/base: helpers shared by the config-*.c files. */
#pragma once

#include "base.h"

/* Look a variable up through the config environment (tests fake it). */
const char *cenv_get(const struct config_env *env, const char *name);
/* Allocates: a system path with the test root prefix applied. */
char *cenv_sys_path(const struct config_env *env, const char *path);
/* Allocates: $XDG_CONFIG_HOME, else ~/.config. */
char *cenv_config_home(const struct config_env *env, const struct user_info *u);
/* Allocates: sorted "*.conf" files of a drop-in directory (NULL if none). */
char **config_dropins(const char *dir);
/* Merge TOML table src into dst: tables key by key, everything else replaced. */
void config_merge(struct json *dst, const struct json *src);
/* Allocates: expand $UID, $USER, $HOME and ${VAR}/$VAR in a storage.conf path. */
char *config_expand_path(const struct config_env *env, const struct user_info *u,
                         const char *path);

/* Compute podman's rootless runtime dir (XDG_RUNTIME_DIR, /run/user/UID,
 * $TMPDIR/podman-run-UID, $HOME/rundir), creating it as podman does. */
int config_runtime_dir(const struct config_env *env, const struct user_info *u, char **ret,
                       struct err *e);
/* Fill c->storage from storage.conf files and the environment. */
int config_load_storage(const struct config_env *env, struct config *c, struct err *e);
/* Fill c->registries from registries.conf and its drop-ins. */
int config_load_registries(const struct config_env *env, struct config *c, struct err *e);
void registries_conf_done(struct registries_conf *r);
