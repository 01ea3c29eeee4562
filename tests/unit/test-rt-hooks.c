/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder: replaced by the runtime step's tests */
#include "unit.h"

static void test_placeholder(void **state)
{
        (void)state;
        assert_true(1);
}

int main(void)
{
        const struct CMUnitTest tests[] = { cmocka_unit_test(test_placeholder) };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
