/* SPDX-License-Identifier: Apache-2.0 */
/* Private to libcore/base: helpers shared by json.c, json-parse.c and json-gen.c. */
#pragma once

#include "base.h"

/* Append key (taken) and v to obj without looking for an existing key. */
void json_object_push(struct json *obj, char *key, struct json *v);
/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
size_t json_utf8_seq_len(const unsigned char *s, size_t n);
