#!/usr/bin/python3
"""monitor-client.py: berth's side of the berth-monitor contract, for tests.

  monitor-client.py run [OPTIONS] -- MONITOR [ARGS...]
      Start MONITOR ARGS --sync-fd N (stdio on /dev/null, as berth does),
      print `created=PID` or `error=MESSAGE` from the sync fd, then send the
      start byte and print `started=PID` or `error=MESSAGE`.
      --eof-before-start   close the sync fd instead of starting (prints
                           `closed`), as a berth killed during start would
      --wait-create        give MONITOR --wait-create and send the byte that
                           says the container's directories exist first, as
                           run does with a monitor it started ahead
      --eof-before-create  the same, but close the sync fd instead of that
                           byte (prints `closed`): a run that failed before
      --attach RUNDIR      connect to RUNDIR/attach before the start byte and
                           stay attached until the exit packet (see attach)
      --stdin TEXT         (with --attach) send TEXT as stdin, then stdin EOF
      --resize 'ROWS COLS' (with --attach) send a resize before the start byte
      --stderr FILE        the monitor's stderr goes to FILE (debugging)
      --rm-rundir          (with --attach) after the exit packet remove RUNDIR,
                           then close the attach socket, as a foreground
                           `run --rm` does
  monitor-client.py follow LOG RUNDIR [--timeout S]
      Follow the log file LOG as `logs -f` does across rotations: read to
      EOF; when LOG is then another file, the open one is complete: go on
      with the file rotated after it (LOG.J-1 if it is LOG.J now). Stops once RUNDIR/exit.json exists and everything is
      read; prints each record's text (k8s-file: the 4th field on).
  monitor-client.py attach RUNDIR [--stdin TEXT] [--timeout S]
      Attach to a running monitor; print what comes as
      `stdout=<python repr>` and `stderr=<repr>` (each concatenated) and
      `exit=N` when the exit packet arrives (`noexit` if the socket closed
      without one, `timeout` after S seconds, default 20).
"""
import os
import shutil
import socket
import subprocess
import sys
import time

PKT_MAX = 8192


def connect_attach(rundir):
    """Connect to RUNDIR/attach through /proc/self/fd (long paths)."""
    dfd = os.open(rundir, os.O_PATH | os.O_DIRECTORY)
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect("/proc/self/fd/%d/attach" % dfd)
        return s
    finally:
        os.close(dfd)


def read_line(sock, timeout=30):
    sock.settimeout(timeout)
    buf = b""
    while not buf.endswith(b"\n"):
        try:
            c = sock.recv(1)
        except socket.timeout:
            return None
        if not c:
            return buf.decode() if buf else None
        buf += c
    return buf.decode().strip()


def report_sync(line, key):
    if line is None:
        print("error=sync fd closed without a message")
        return False
    import json
    j = json.loads(line)
    if key in j:
        print("%s=%d" % (key, j[key]))
        return True
    print("error=%s" % j.get("error", line))
    return False


def attached(s, stdin=None, timeout=20.0):
    """Collect output until the exit packet; optionally send stdin first."""
    out, err = b"", b""
    if stdin is not None:
        s.send(b"\x00" + stdin.encode())
        s.send(b"\x01")
    deadline = time.time() + timeout
    result = "noexit"
    while True:
        left = deadline - time.time()
        if left <= 0:
            result = "timeout"
            break
        s.settimeout(left)
        try:
            p = s.recv(PKT_MAX)
        except socket.timeout:
            result = "timeout"
            break
        if not p:
            break
        if p[0] == 1:
            out += p[1:]
        elif p[0] == 2:
            err += p[1:]
        elif p[0] == 3:
            result = "exit=" + p[1:].decode()
            break
    print("stdout=%r" % out.decode(errors="replace"))
    print("stderr=%r" % err.decode(errors="replace"))
    print(result)


def cmd_run(args):
    opts = {"eof": False, "attach": None, "stdin": None, "resize": None, "stderr": None,
            "rm": False, "ahead": False, "eof_create": False}
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--eof-before-start":
            opts["eof"] = True
        elif a == "--wait-create":
            opts["ahead"] = True
        elif a == "--eof-before-create":
            opts["ahead"] = opts["eof_create"] = True
        elif a == "--rm-rundir":
            opts["rm"] = True
        elif a in ("--attach", "--stdin", "--resize", "--stderr"):
            opts[a[2:]] = args.pop(0)
        else:
            sys.exit("monitor-client.py: unknown option " + a)
    if not args:
        sys.exit("monitor-client.py: run needs -- MONITOR ARGS")
    cmd = args[1:]
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    cmd += ["--sync-fd", str(theirs.fileno())]
    if opts["ahead"]:
        cmd += ["--wait-create"]
    errf = open(opts["stderr"], "ab") if opts["stderr"] else subprocess.DEVNULL
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=errf, pass_fds=(theirs.fileno(),))
    theirs.close()
    p.wait()
    if opts["eof_create"]:
        ours.close()
        print("closed")
        return 0
    if opts["ahead"]:
        ours.send(b"c")
    if not report_sync(read_line(ours), "created"):
        return 1
    if opts["eof"]:
        ours.close()
        print("closed")
        return 0
    s = None
    if opts["attach"]:
        s = connect_attach(opts["attach"])
        if opts["resize"]:
            s.send(b"\x02" + opts["resize"].encode())
    ours.send(b"s")
    ok = report_sync(read_line(ours), "started")
    ours.close()
    if s is not None and ok:
        attached(s, opts["stdin"])
        if opts["rm"]:
            shutil.rmtree(opts["attach"])
        s.close()
    return 0 if ok else 1


def cmd_attach(args):
    rundir = args.pop(0)
    stdin, timeout = None, 20.0
    while args:
        a = args.pop(0)
        if a == "--stdin":
            stdin = args.pop(0)
        elif a == "--timeout":
            timeout = float(args.pop(0))
        else:
            sys.exit("monitor-client.py: unknown option " + a)
    attached(connect_attach(rundir), stdin, timeout)
    return 0


def cmd_follow(args):
    path, rundir = args[0], args[1]
    timeout = float(args[3]) if len(args) > 3 and args[2] == "--timeout" else 30.0
    deadline = time.time() + timeout
    f = None
    while f is None and time.time() < deadline:
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            time.sleep(0.01)
    buf = b""
    while time.time() < deadline:
        done = os.path.exists(os.path.join(rundir, "exit.json"))
        chunk = f.read()
        if chunk:
            buf += chunk
            *recs, buf = buf.split(b"\n")
            for r in recs:
                print(r.decode(errors="replace").split(" ", 3)[3])
            continue
        try:
            rotated = os.stat(path).st_ino != os.fstat(f.fileno()).st_ino
        except FileNotFoundError:
            rotated = False  # a reader must retry; the monitor never leaves no file
            print("MISSING", file=sys.stderr)
        if rotated:
            # The old file is complete (the monitor never writes to a file
            # after rotating it): go on with the file that came after it,
            # ctr.log.J-1 if it is ctr.log.J now (ctr.log for J = 1).
            ino = os.fstat(f.fileno()).st_ino
            f.close()
            nxt = path
            for j in range(1, 101):
                try:
                    if os.stat("%s.%d" % (path, j)).st_ino == ino:
                        nxt = path if j == 1 else "%s.%d" % (path, j - 1)
                        break
                except FileNotFoundError:
                    break
            f = open(nxt, "rb")
            continue
        if done:
            return 0
        time.sleep(0.005)
    print("timeout")
    return 1


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "run":
        return cmd_run(sys.argv[2:])
    if sys.argv[1] == "follow":
        return cmd_follow(sys.argv[2:])
    if sys.argv[1] == "attach":
        return cmd_attach(sys.argv[2:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
