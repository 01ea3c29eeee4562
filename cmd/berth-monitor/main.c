/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-monitor: the per-container monitor (conmon's role for podman).
 * berth starts it with the command line of libcore/engine/monitor.h; all
 * of its logic is engine_monitor_main (libcore/engine/mon-*.c).
 */
#include "engine.h"

int main(int argc, char **argv)
{
        return engine_monitor_main(argc, argv);
}
