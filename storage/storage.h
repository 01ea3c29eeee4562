/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage.h: berth's storage library, on disk compatible with
 * containers/storage 1.43 (podman 4.3). This step holds the choice of the
 * graph driver; layers, images and containers follow in the storage step.
 */
#pragma once

#include "base.h"

/* The drivers berth implements. */
bool storage_driver_known(const char *name);

/* The driver to use for a store: the configured one if set (overlay2 means
 * overlay), else the one containers/storage 1.43 would pick: a single prior
 * driver directory in graphroot, else overlay where the kernel and backing
 * filesystem support it, else vfs. Allocates *ret_driver. */
int storage_driver_choose(const struct storage_conf *sc, char **ret_driver, struct err *e);

/* Allocates: a JSON object describing the backing filesystem of graphroot
 * the way `podman info` shows graphStatus ("Backing Filesystem", ...). */
struct json *storage_driver_status(const char *driver, const char *graphroot);
