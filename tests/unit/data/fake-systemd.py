#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A FAKE org.freedesktop.systemd1 manager for berth's systemd cgroup tests.

It exists only because systemd cannot run on the machines the tests run on
(no systemd as PID 1; see ENVIRONMENT.md): code for systemd is tested for
real where systemd runs. It owns org.freedesktop.systemd1 on a private bus
(--address) and answers the calls the runtime makes, the way systemd does:

  StartTransientUnit(ssa(sv)a(sa(sv))) -> o   makes the unit's cgroup in each
        --cgroup-root (the slice expanded, "a-b.slice" -> /a.slice/a-b.slice),
        writes the PIDs into its cgroup.procs, then sends JobRemoved
  StopUnit(ss) -> o      kills (--kill) the unit's processes, removes its cgroup
  SetUnitProperties(sba(sv)), GetUnit(s) -> o, ResetFailedUnit(s), Subscribe()
  Properties.Get: the manager's Version and ControlGroup, a unit's ControlGroup

Every call is recorded as one JSON line in --record, with the properties
typed: [name, D-Bus signature, value]. It prints READY once it owns its name.
Run it with /usr/bin/python3 (python3-dbus, python3-gi).
"""
import argparse
import errno
import json
import os
import shutil
import signal
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

DEST = "org.freedesktop.systemd1"
PATH = "/org/freedesktop/systemd1"
MANAGER = "org.freedesktop.systemd1.Manager"
PROPS = "org.freedesktop.DBus.Properties"


def signature(v):
    """The D-Bus signature of a value dbus-python unpacked from a variant."""
    if isinstance(v, dbus.Boolean):
        return "b"
    for t, s in ((dbus.Byte, "y"), (dbus.Int16, "n"), (dbus.UInt16, "q"), (dbus.Int32, "i"),
                 (dbus.UInt32, "u"), (dbus.Int64, "x"), (dbus.UInt64, "t"),
                 (dbus.Double, "d"), (dbus.ObjectPath, "o"), (dbus.Signature, "g"),
                 (dbus.String, "s")):
        if isinstance(v, t):
            return s
    if isinstance(v, dbus.ByteArray):
        return "ay"
    if isinstance(v, dbus.Array):
        return "a" + str(v.signature)
    if isinstance(v, dbus.Struct):
        return "(" + "".join(signature(x) for x in v) + ")"
    if isinstance(v, dbus.Dictionary):
        return "a{" + str(v.signature) + "}"
    return "?"


def plain(v):
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dbus.ByteArray):
        return list(bytes(v))
    if isinstance(v, (int,)):
        return int(v)
    if isinstance(v, str):
        return str(v)
    return repr(v)


def expand_slice(slice_name):
    base = slice_name[: -len(".slice")]
    if base == "-":
        return ""
    path, prefix = "", ""
    for part in base.split("-"):
        path += "/" + prefix + part + ".slice"
        prefix += part + "-"
    return path


def escape_label(s):
    return "".join(c if c.isalnum() else "_%02x" % ord(c) for c in s)


class Manager(dbus.service.Object):
    def __init__(self, conn, opts):
        super().__init__(conn, PATH)
        self.opts = opts
        self.units = {}  # name -> cgroup path
        self.job = 0

    def record(self, method, args, props=None):
        line = {"method": method, "args": [plain(a) for a in args]}
        if props is not None:
            line["properties"] = [[str(n), signature(v), plain(v)] for n, v in props]
        with open(self.opts.record, "a") as f:
            f.write(json.dumps(line) + "\n")

    def new_job(self, unit, result):
        self.job += 1
        job = dbus.ObjectPath("%s/job/%d" % (PATH, self.job))
        jid = self.job
        # After the reply, as systemd does.
        GLib.idle_add(lambda: self.JobRemoved(dbus.UInt32(jid), job, unit, result) and False)
        return job

    @dbus.service.method(MANAGER, in_signature="ssa(sv)a(sa(sv))", out_signature="o")
    def StartTransientUnit(self, name, mode, props, aux):
        self.record("StartTransientUnit", [name, mode], props)
        if name in self.units:
            raise dbus.exceptions.DBusException(
                "Unit %s already exists." % name, name="org.freedesktop.systemd1.UnitExists")
        p = dict((str(n), v) for n, v in props)
        cg = self.opts.manager_cgroup.rstrip("/") + expand_slice(str(p.get("Slice", "system.slice")))
        cg += "/" + name
        for root in self.opts.cgroup_root:
            d = root + cg
            os.makedirs(d, exist_ok=True)
            for pid in p.get("PIDs", []):
                with open(d + "/cgroup.procs", "a") as f:
                    f.write("%d\n" % pid)
        self.units[str(name)] = cg
        return self.new_job(name, self.opts.job_result)

    @dbus.service.method(MANAGER, in_signature="ss", out_signature="o")
    def StopUnit(self, name, mode):
        self.record("StopUnit", [name, mode])
        cg = self.units.pop(str(name), None)
        if cg is None:
            raise dbus.exceptions.DBusException(
                "Unit %s not loaded." % name, name="org.freedesktop.systemd1.NoSuchUnit")
        for root in self.opts.cgroup_root:
            self.remove(root + cg)
        return self.new_job(name, "done")

    def remove(self, d):
        if not os.path.isdir(d):
            return
        if self.opts.plain_dirs:
            shutil.rmtree(d, ignore_errors=True)
            return
        if self.opts.kill:
            try:
                with open(d + "/cgroup.procs") as f:
                    for pid in f.read().split():
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except ProcessLookupError:
                            pass
            except OSError:
                pass
        for _ in range(100):
            try:
                os.rmdir(d)
                return
            except OSError as e:
                if e.errno != errno.EBUSY:
                    return
                time.sleep(0.02)

    @dbus.service.method(MANAGER, in_signature="sba(sv)", out_signature="")
    def SetUnitProperties(self, name, runtime, props):
        self.record("SetUnitProperties", [name, runtime], props)
        if str(name) not in self.units:
            raise dbus.exceptions.DBusException(
                "Unit %s not loaded." % name, name="org.freedesktop.systemd1.NoSuchUnit")

    @dbus.service.method(MANAGER, in_signature="s", out_signature="o")
    def GetUnit(self, name):
        self.record("GetUnit", [name])
        if str(name) not in self.units:
            raise dbus.exceptions.DBusException(
                "Unit %s not loaded." % name, name="org.freedesktop.systemd1.NoSuchUnit")
        return dbus.ObjectPath(PATH + "/unit/" + escape_label(str(name)))

    @dbus.service.method(MANAGER, in_signature="s", out_signature="")
    def ResetFailedUnit(self, name):
        self.record("ResetFailedUnit", [name])

    @dbus.service.method(MANAGER, in_signature="", out_signature="")
    def Subscribe(self):
        self.record("Subscribe", [])

    @dbus.service.signal(MANAGER, signature="uoss")
    def JobRemoved(self, jid, job, unit, result):
        pass

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, prop):
        if prop == "Version":
            return dbus.String(self.opts.version)
        if prop == "ControlGroup":
            return dbus.String(self.opts.manager_cgroup)
        raise dbus.exceptions.DBusException("no property " + prop,
                                            name="org.freedesktop.DBus.Error.UnknownProperty")


class Units(dbus.service.FallbackObject):
    def __init__(self, conn, manager):
        super().__init__(conn, PATH + "/unit")
        self.manager = manager

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v", rel_path_keyword="rel")
    def Get(self, iface, prop, rel=None):
        for name, cg in self.manager.units.items():
            if "/" + escape_label(name) == rel and prop == "ControlGroup":
                return dbus.String(cg)
        raise dbus.exceptions.DBusException("no unit or property",
                                            name="org.freedesktop.DBus.Error.UnknownObject")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--cgroup-root", action="append", default=[])
    ap.add_argument("--version", default="252 (252.22-1~deb12u1)")
    ap.add_argument("--manager-cgroup", default="/")
    ap.add_argument("--job-result", default="done")
    ap.add_argument("--plain-dirs", action="store_true")
    ap.add_argument("--kill", action="store_true")
    opts = ap.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    conn = dbus.bus.BusConnection(opts.address)
    name = dbus.service.BusName(DEST, conn, do_not_queue=True)
    manager = Manager(conn, opts)
    Units(conn, manager)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, lambda: loop.quit() or False)
    print("READY", flush=True)
    loop.run()
    sys.stdout.flush()
    os._exit(0)  # no BusName.__del__ on a bus that may be gone


if __name__ == "__main__":
    sys.exit(main())
