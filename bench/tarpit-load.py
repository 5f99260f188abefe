#!/usr/bin/env python3
"""Holds N SMTP connections open against a server that delays its EHLO reply, and watches the
server's memory and OS threads meanwhile. Used by bench/tarpit.sh; loopback only, bounded in
time, and it never touches a process it was not given.

Each client: connect from 127.0.0.x, read the banner, send "EHLO x", wait for the (delayed)
reply, QUIT. Every 2 s a line shows how many connections are open and waiting, and the server's
VmRSS, VmHWM and Threads from /proc/PID/status (Threads: the OS threads of the process).
"""
import argparse
import asyncio
import resource
import statistics
import sys
import time

CONNECT_CONCURRENCY = 200  # connects in flight at once: keeps within the listen backlog


def proc_status(pid):
    """VmRSS and VmHWM in MiB, and Threads, of the server (and its children, for a forking server)."""
    out = {"rss": 0.0, "hwm": 0.0, "threads": 0, "processes": 0}
    for p in [pid] + children(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key == "VmRSS":
                        out["rss"] += int(value.split()[0]) / 1024
                    elif key == "VmHWM":
                        out["hwm"] += int(value.split()[0]) / 1024
                    elif key == "Threads":
                        out["threads"] += int(value)
            out["processes"] += 1
        except FileNotFoundError:
            pass
    return out


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except FileNotFoundError:
        return []
    return kids + [g for k in kids for g in children(k)]


class Counts:
    def __init__(self):
        self.connecting = 0
        self.open = 0          # TCP connected, not yet closed
        self.waiting = 0       # EHLO sent, reply not yet in
        self.answered = 0      # EHLO reply received
        self.done = 0          # QUIT answered and closed
        self.failed = {}       # reason -> count
        self.delays = []       # seconds from EHLO to its reply

    def fail(self, reason):
        self.failed[reason] = self.failed.get(reason, 0) + 1


async def read_reply(reader):
    """Reads one SMTP reply (all its lines); returns the code."""
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("closed by the server")
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3])


async def client(i, args, counts, gate):
    source = f"127.0.0.{2 + i % args.sources}"
    writer = None
    opened = False
    try:
        async with gate:
            counts.connecting += 1
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(args.host, args.port, local_addr=(source, 0)), 30)
            finally:
                counts.connecting -= 1
        counts.open += 1
        opened = True
        code = await asyncio.wait_for(read_reply(reader), args.delay + 60)
        if code != 220:
            counts.fail(f"banner {code}")
            return
        writer.write(b"EHLO x\r\n")
        sent = time.monotonic()
        counts.waiting += 1
        try:
            code = await asyncio.wait_for(read_reply(reader), args.delay + 60)
        finally:
            counts.waiting -= 1
        counts.delays.append(time.monotonic() - sent)
        if code != 250:
            counts.fail(f"EHLO {code}")
            return
        counts.answered += 1
        writer.write(b"QUIT\r\n")
        await asyncio.wait_for(read_reply(reader), 30)
        counts.done += 1
    except asyncio.TimeoutError:
        counts.fail("timeout")
    except OSError as e:
        counts.fail(type(e).__name__ + (f" errno {e.errno}" if e.errno else ""))
    except ConnectionError as e:
        counts.fail(str(e))
    finally:
        if opened:
            counts.open -= 1
        if writer is not None:
            writer.close()


async def main(args):
    counts = Counts()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    idle = proc_status(args.pid)
    print(f"[{args.name}] idle: RSS {idle['rss']:.0f} MiB, HWM {idle['hwm']:.0f} MiB, "
          f"{idle['threads']} OS threads in {idle['processes']} process(es)", flush=True)
    start = time.monotonic()
    tasks = [asyncio.create_task(client(i, args, counts, gate)) for i in range(args.connections)]
    peak = {"waiting": 0, "rss": 0.0, "threads": 0, "processes": 0, "at": 0.0}
    max_threads = 0
    max_rss = 0.0
    deadline = start + args.deadline
    while True:
        await asyncio.sleep(2)
        s = proc_status(args.pid)
        t = time.monotonic() - start
        max_threads = max(max_threads, s["threads"])
        max_rss = max(max_rss, s["rss"])
        if counts.waiting >= peak["waiting"]:
            peak = {"waiting": counts.waiting, "rss": s["rss"], "threads": s["threads"], "processes": s["processes"], "at": t}
        print(f"[{args.name}] t={t:5.1f}s  open {counts.open:5d}  waiting for EHLO reply {counts.waiting:5d}  "
              f"answered {counts.answered:5d}  failed {sum(counts.failed.values()):5d}  |  "
              f"RSS {s['rss']:6.0f} MiB  HWM {s['hwm']:6.0f} MiB  OS threads {s['threads']:5d}"
              + (f" in {s['processes']} processes" if s["processes"] > 1 else ""), flush=True)
        if all(task.done() for task in tasks):
            break
        if time.monotonic() > deadline:
            print(f"[{args.name}] deadline of {args.deadline}s reached; abandoning the rest", flush=True)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            break
    final = proc_status(args.pid)
    d = sorted(counts.delays)
    print(f"\n[{args.name}] SUMMARY for {args.connections} connections, delay {args.delay}s at EHLO:")
    print(f"[{args.name}]   most connections waiting at once: {peak['waiting']} (t={peak['at']:.0f}s); then RSS "
          f"{peak['rss']:.0f} MiB, {peak['threads']} OS threads" + (f" in {peak['processes']} processes" if peak['processes'] > 1 else ""))
    print(f"[{args.name}]   highest RSS seen {max_rss:.0f} MiB; VmHWM {final['hwm']:.0f} MiB; most OS threads seen {max_threads}")
    if peak["waiting"]:
        print(f"[{args.name}]   per waiting connection: {(peak['rss'] - idle['rss']) * 1024 / peak['waiting']:.1f} KiB of RSS over idle")
    print(f"[{args.name}]   EHLO answered {counts.answered}, QUIT done {counts.done}, failed {sum(counts.failed.values())} {counts.failed}")
    if d:
        print(f"[{args.name}]   EHLO reply after: min {d[0]:.1f}s, median {statistics.median(d):.1f}s, max {d[-1]:.1f}s")
    print(f"[{args.name}]   wall time {time.monotonic() - start:.0f}s", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--name", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="the server process to watch")
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--delay", type=int, default=30, help="the delay the server is set to, in seconds")
    ap.add_argument("--sources", type=int, default=8, help="source addresses 127.0.0.2 and up")
    ap.add_argument("--deadline", type=int, default=180, help="give up after this many seconds")
    a = ap.parse_args()
    if not a.host.startswith("127.") or not 1 <= a.sources <= 250:
        sys.exit("tarpit-load: loopback only (127.0.0.0/8), 1..250 sources")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = a.connections + 100
    if soft < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(need, soft), hard), hard))
        except ValueError:
            pass
        if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
            sys.exit(f"tarpit-load: need {need} file descriptors, have {soft}: raise ulimit -n")
    asyncio.run(main(a))
