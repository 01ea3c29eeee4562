/* SPDX-License-Identifier: Apache-2.0 */
/* Private to libcore/base: helpers shared by json.c, json-parse.c and json-gen.c. */
#pragma once

#include "base.h"

/* Append key (taken) and v to obj without looking for an existing key. */
void json_object_push(struct json *obj, char *key, struct json *v);
