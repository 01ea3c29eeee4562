/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.h: berth's engine library: what the CLI commands call. This step
 * holds `version` and `info`; containers, volumes and logs follow.
 */
#pragma once

#include "base.h"

/* Allocates: berth's version as podman's `version --format json` shapes it
 * ({"Client": {...}}). */
struct json *engine_version(void);

/* Allocates: host, store, registries and version facts shaped like
 * `podman info --format json`, plus berth's own "configFiles" list. */
int engine_info(const struct config *cfg, struct json **ret, struct err *e);
