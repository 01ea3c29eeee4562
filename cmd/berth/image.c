/* SPDX-License-Identifier: Apache-2.0 */
/* berth image: the image command group. */
#include "cmd.h"

static const struct berth_cmd *const image_subs[] = {
        &cmd_image_copy,  &cmd_image_history, &cmd_import,  &cmd_image_inspect,
        &cmd_load,        &cmd_image_ls,      &cmd_image_mount, &cmd_image_prune,
        &cmd_image_rm,    &cmd_save,          &cmd_tag,     &cmd_image_unmount,
        &cmd_untag,       &cmd_image_diff, NULL,
};

const struct berth_cmd cmd_image = {
        .name = "image",
        .summary = "Manage images",
        .usage = "[command]",
        .subs = image_subs,
};
