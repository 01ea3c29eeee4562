/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder: the config.json fuzz target arrives with the runtime step */
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        (void)data;
        (void)size;
        return 0;
}
