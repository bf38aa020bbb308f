#!/usr/bin/env python3
"""Watchpost soak: the real runtime, as fast as the machine allows, through what a year brings; memory, files,
threads and disk sampled, a CSV, an SVG chart in camera-hours and the slope of each figure after warm-up.

  ./watchpost soak --cameras N --camera-hours H [--sample-s 60] [--wall-minutes M] [--out DIR]

What it drives (issue 19): every camera plays vtest in a loop, every frame, faster than real time, with image
faults on a schedule; the odd cameras read vtest.mp4 through the capture's ffmpeg child, so each loop is a
reconnect with a new child process; with two cameras or more the last one is an HTTP camera (ffmpeg serving
Motion-JPEG at the clip's rate) that is cut off and comes back on a cycle; the MQTT broker (Mosquitto) goes down and comes back on a cycle, long enough
outages with a small outbox cap fill the outbox so that it drops; JPEG crops on every event, health every 10 s.
With three cameras or more the one before the last is an RTSP camera (GStreamer's server) cut off on a cycle of its
own; a rule is saved or deleted through the installer's page every few minutes (configuration changes) and an
OPC UA client connects, browses, reads, subscribes and leaves every two minutes. Every ten minutes a central team
swaps the model or rolls it back: a new version signed and rolled out through `watchpost fleet rollout` (MQTT
chunks, validation, activation between two frames, probation), then a signed `EXEC rollback` the next time.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

VTEST_FPS = 10.0  # vtest's own rate: a camera-hour is 36,000 frames


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Broker:
    """Mosquitto on a loopback port, stopped and started again on demand (an outage is a dead broker)."""

    def __init__(self, work, port):
        self.work, self.port, self.proc = work, port, None
        self.conf = os.path.join(work, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        self.outages = 0

    def start(self):
        if self.proc is None:
            self.proc = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=subprocess.DEVNULL,
                                         stderr=open(os.path.join(self.work, "mosquitto.log"), "a"))

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self.outages += 1


class HttpCamera:
    """An IP camera: ffmpeg serving vtest as HTTP Motion-JPEG at its real rate, cut off and back on a cycle."""

    def __init__(self, work, clip, port):
        self.work, self.clip, self.port, self.proc, self.cuts = work, clip, port, None, 0
        self.url = f"http://127.0.0.1:{port}/cam"

    def start(self):
        if self.proc is None:
            self.proc = subprocess.Popen(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", self.clip,
                 "-c:v", "mjpeg", "-q:v", "6", "-f", "mpjpeg", "-listen", "1", self.url],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "http-camera.log"), "a"))

    def alive(self):
        # One client per server run: when the runtime's reader goes (a reconnect), ffmpeg ends; serve again.
        if self.proc is not None and self.proc.poll() is not None:
            self.proc = None
            self.start()

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self.cuts += 1


class RtspCamera:
    """An RTSP camera: GStreamer's RTSP server (the tests' rtsp_server.py, Debian's python3-gi) serving vtest.mp4
    as RTP/H.264, stopped and started again on a cycle; the capture's ffmpeg child loses it and reconnects."""

    def __init__(self, root, work, clip, port):
        self.script = os.path.join(root, "bundles/org.watchpost.testing/src/main/resources/org/watchpost/testing/"
                                         "rtsp_server.py")
        self.work, self.clip, self.port, self.proc, self.cuts = work, clip, port, None, 0
        self.url = f"rtsp://127.0.0.1:{port}/cam"

    def start(self):
        if self.proc is None:
            # Debian's interpreter: a python3 earlier on the PATH (pyenv, a venv) may lack the gi module.
            self.proc = subprocess.Popen(["/usr/bin/python3", self.script, self.clip, str(self.port), "cam"],
                                         stdout=subprocess.DEVNULL,
                                         stderr=open(os.path.join(self.work, "rtsp-camera.log"), "a"))

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self.cuts += 1


class InstallerPage:
    """Configuration changes as an installer makes them: log in to the installer's page (HTTPS, the login the
    device printed on its first start), save a zone rule on the first camera with other points each time, every
    other time delete it again, log out. Each is a Config Admin update the analytics put in force."""

    def __init__(self, port, camera):
        import ssl
        self.port = port
        self.base = f"https://127.0.0.1:{port}/watchpost"
        self.camera = camera
        self.context = ssl.create_default_context()
        # The device's own self-signed certificate, on loopback: what is tested is the change, not the TLS trust.
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE
        self.password = None
        self.changes, self.failures, self.saved = 0, 0, False

    def _call(self, method, path, body=None, cookie=None, csrf=None):
        import urllib.request
        import urllib.error
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if cookie:
            req.add_header("Cookie", cookie)
        if csrf:
            req.add_header("X-CSRF-Token", csrf)
        try:
            with urllib.request.urlopen(req, context=self.context, timeout=20) as r:
                return r.status, r.headers.get("Set-Cookie"), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, None, e.read().decode("utf-8", "replace")

    def change(self):
        if self.password is None:
            self.failures += 1
            return
        try:
            status, set_cookie, body = self._call("POST", "/api/login", {"user": "installer", "password": self.password})
            if status != 200 or not set_cookie:
                raise RuntimeError(f"login {status}: {body[:200]}")
            cookie, csrf = set_cookie.split(";", 1)[0], json.loads(body)["csrf"]
            if self.saved:
                status, _, body = self._call("DELETE", "/api/rules/soak-zone", cookie=cookie, csrf=csrf)
            else:
                x = 0.1 + 0.05 * (self.changes % 8)
                rule = {"name": "soak-zone", "properties": {
                    "camera.id": self.camera, "type": "zone_intrusion",
                    "points": f"{x:.2f},0.5 {x + 0.3:.2f},0.5 {x + 0.3:.2f},0.95 {x:.2f},0.95"}}
                status, _, body = self._call("POST", "/api/rules", rule, cookie=cookie, csrf=csrf)
            if status != 200:
                raise RuntimeError(f"rule change {status}: {body[:200]}")
            self.saved = not self.saved
            self.changes += 1
            self._call("POST", "/api/logout", {}, cookie=cookie, csrf=csrf)
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            self.failures += 1
            print(f"soak: configuration change failed: {e}", flush=True)


class UaClients:
    """OPC UA clients coming and going: one JVM running UaVisitor.java (Milo's client, from the opcua bundle's test
    class path), asked for a visit now and then: discover, connect, browse, read, subscribe, disconnect."""

    def __init__(self, root, out, port):
        self.root, self.out, self.port = root, out, port
        self.url = f"opc.tcp://localhost:{port}/watchpost/discovery"
        self.proc, self.visits, self.failures, self.last = None, 0, 0, ""

    def start(self):
        cp_file = os.path.join(self.out, "opcua-client.classpath")
        # Milo's client and its dependencies as Maven resolves them (MAVEN_ARGS, e.g. a private local repository,
        # reaches the wrapper); the visitor is compiled in memory by the java launcher.
        subprocess.run([os.path.join(self.root, "mvnw"), "-o", "-q", "-B", "dependency:build-classpath",
                        "-pl", "bundles/org.watchpost.opcua", "-Dmdep.includeScope=test",
                        f"-Dmdep.outputFile={cp_file}"], cwd=self.root, check=True,
                       stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.out, "opcua-client.log"), "a"))
        with open(cp_file) as f:
            cp = f.read().strip()
        self.proc = subprocess.Popen(["java", "-Xmx64m", "-cp", cp,
                                      os.path.join(self.root, "simulator/soak/UaVisitor.java"), self.url],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(self.out, "opcua-client.log"), "a"), text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("VISIT ok"):
                self.visits += 1
            elif line.startswith("VISIT failed"):
                self.failures += 1
                print("soak: OPC UA visit " + line.strip(), flush=True)
            self.last = line.strip()

    def visit(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.write("visit\n")
            self.proc.stdin.flush()

    def stop(self):
        if self.proc is not None:
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class ModelSwaps:
    """Model swaps and rollbacks as a central team makes them, through the real tools: keys made once for the run
    (`watchpost model keygen`: a release key whose public half the device trusts, a console key it obeys), then in
    turn a new version of the factory model signed (`model pack`) and rolled out to the device (`fleet rollout`:
    offer, MQTT chunks, verification, validation, activation, probation) and a signed `fleet exec rollback`. The
    tools run as child processes; a step that fails is counted and logged, and the next one comes on time."""

    def __init__(self, root, out, work, account, device):
        self.root, self.out, self.account, self.device = root, out, account, device
        self.private = os.path.join(work, "team")            # what the release and operations teams hold
        self.trusted = os.path.join(work, "var", "models-keys")
        self.console_keys = os.path.join(work, "var", "console-keys")
        self.packages = os.path.join(work, "packages")
        self.version, self.proc, self.kind, self.log = 0, None, None, os.path.join(out, "model-swaps.log")
        self.swaps, self.rollbacks, self.failures, self.next_is_swap = 0, 0, 0, True

    def _tool(self, *args):
        return [os.path.join(self.root, "watchpost"), *args]

    def prepare(self):
        for d in (self.private, self.trusted, self.console_keys, self.packages):
            os.makedirs(d, exist_ok=True)
        with open(self.log, "a") as log:
            for name in ("release", "console"):
                subprocess.run(self._tool("model", "keygen", "--out", self.private, "--name", name), check=True,
                               stdout=log, stderr=subprocess.STDOUT)
        shutil.copy(os.path.join(self.private, "release.pub"), self.trusted)
        shutil.copy(os.path.join(self.private, "console.pub"), self.console_keys)

    def busy(self):
        if self.proc is None:
            return False
        code = self.proc.poll()
        if code is None:
            return True
        if code == 0:
            if self.kind == "swap":
                self.swaps += 1
            else:
                self.rollbacks += 1
        else:
            self.failures += 1
            print(f"soak: model {self.kind} failed (exit {code}); see {self.log}", flush=True)
        self.proc = None
        return False

    def step(self, broker_url):
        """Starts the next swap or rollback unless one is still running."""
        if self.busy():
            return
        log = open(self.log, "a")
        if self.next_is_swap:
            self.version += 1
            version = f"0.2.{self.version}"
            package = os.path.join(self.packages, f"yolox-nano-{version}.zip")
            packed = subprocess.run(self._tool("model", "pack", "--model", os.path.join(self.root, "models/yolox-nano"),
                                               "--key", os.path.join(self.private, "release.key"), "--version",
                                               version, "--out", package), stdout=log, stderr=subprocess.STDOUT)
            if packed.returncode != 0:
                self.failures += 1
                print(f"soak: model pack failed (exit {packed.returncode}); see {self.log}", flush=True)
                return
            devices = os.path.join(self.packages, "devices.txt")
            with open(devices, "w") as f:
                f.write(self.device + "\n")
            # The previous package's file goes: the device keeps what it needs, the soak's disk stays bounded.
            for old in os.listdir(self.packages):
                if old.endswith(".zip") and old != os.path.basename(package):
                    os.remove(os.path.join(self.packages, old))
            cmd = self._tool("fleet", "rollout", "--broker", broker_url, "--account", self.account,
                             "--console-id", "soak-console", "--devices", devices, "--package", package,
                             "--console-key", os.path.join(self.private, "console.key"), "--canary", "100%",
                             "--waves", "", "--state", os.path.join(self.packages, "rollout.db"),
                             "--print-every", "0", "--attempt-timeout", "10m", "--timeout", "30m")
            self.kind = "swap"
        else:
            cmd = self._tool("fleet", "exec", "rollback", "--broker", broker_url, "--account", self.account,
                             "--console-id", "soak-console", "--device", self.device,
                             "--console-key", os.path.join(self.private, "console.key"))
            self.kind = "rollback"
        self.next_is_swap = not self.next_is_swap
        log.write(f"--- {time.strftime('%H:%M:%S')} {self.kind}: {' '.join(cmd)}\n")
        log.flush()
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def configuration(root, shared, work, cameras, broker_port, outbox_max_bytes, http_url=None, rtsp_url=None,
                  web_port=None, opcua_port=None, swaps=None, probation_s=60):
    clip = os.path.join(shared, "data/video")
    conf = {":configurator:resource-version": 1, ":configurator:symbolic-name": "watchpost.soak",
            ":configurator:version": "1.0.0",
            "org.watchpost.inference": {"model.manifest": os.path.join(root, "models/yolox-nano/manifest.json"),
                                        "intra.op.threads": 2},
            "org.watchpost.console": {"print.health.reports": True}}
    for i in range(cameras):
        cid = f"cam{i}"
        # Odd cameras go through ffmpeg: each loop ends the child and starts a new one (a camera reconnect).
        source = os.path.join(clip, "vtest.mp4" if i % 2 else "vtest-mjpeg.avi")
        loop = True
        if http_url is not None and i == cameras - 1:
            # The last camera is an IP camera whose server the soak cuts off and brings back (reconnects).
            source, loop = http_url, False
        elif rtsp_url is not None and i == cameras - 2:
            # The one before it an RTSP camera, cut off and brought back on its own cycle.
            source, loop = rtsp_url, False
        conf["org.watchpost.camera~" + cid] = {
            "camera.id": cid, "source": source, "loop": loop, "realtime": False, "feed.mode": "every_frame",
            # Stream time goes on growing from pass to pass: the period (vtest is 79.5 s) brings the faults back on
            # every pass, and on the live cameras every 79.5 s of their stream.
            "faults": "black@20-26, blur:4@40-46, freeze@60-64, every:79.5",
            # DS reads <reference name>.cardinality.minimum (RuntimeConfiguration.CAMERA_WAITS_FOR).
            "analytics.cardinality.minimum": 1, "eventSinks.cardinality.minimum": 1,
            "frameObservers.cardinality.minimum": 1}
    with open(os.path.join(root, "bundles/org.watchpost.analytics/config/vtest-rules.json")) as f:
        for k, v in json.load(f).items():
            if not k.startswith(":configurator:"):
                conf[k] = v
    conf["org.watchpost.analytics"] = {"jpeg.crop": True}
    conf["org.watchpost.uplink"] = {
        "broker.url": f"tcp://127.0.0.1:{broker_port}", "account": "soak", "client.id": "soak-box",
        "outbox.path": os.path.join(work, "var/outbox.db"), "outbox.max.bytes": outbox_max_bytes,
        "budget.bits.per.s": 9600, "reconnect.initial.ms": 200, "reconnect.max.ms": 5000, "keep.alive.s": 10}
    if swaps is not None:
        # A package takes about an hour through 9,600 bit/s (issue 17's scenarios measure that); here the downlink
        # is wide so that swaps come often: what the soak asks is whether a year of them leaves anything behind.
        conf["org.watchpost.uplink"]["downlink.budget.bits.per.s"] = 4_000_000
        conf["org.watchpost.models"] = {"state.dir": os.path.join(work, "var/models"),
                                        "trusted.keys.dir": swaps.trusted, "console.keys.dir": swaps.console_keys,
                                        "probation.s": probation_s,
                                        # Larger chunks, so that fewer requests go up through the 9,600 bit/s uplink.
                                        "chunk.bytes": 65536,
                                        # The soak keeps both cores busy with its cameras, so the candidate's
                                        # timing beside them says little; the soak is after what swaps leave behind,
                                        # not the latency gate (ModelValidationTest and SwapGapBenchmark are).
                                        "latency.factor": 10.0}
    conf["org.watchpost.health.camera"] = {"baseline.dir": os.path.join(work, "var/baselines"),
                                           "report.interval.s": 10.0}
    conf["org.watchpost.health.device"] = {"data.dir": os.path.join(work, "var"), "report.interval.s": 10.0}
    if opcua_port is not None:
        # Anonymous on the None endpoint: the soak's client needs no trusted certificate or user; what it tests
        # is sessions, browsing, reads and subscriptions coming and going.
        conf["org.watchpost.opcua"] = {"port": opcua_port, "hostname": "localhost", "bind.address": "127.0.0.1",
                                       "pki.dir": os.path.join(work, "var/opcua/pki"),
                                       "credential.file": os.path.join(work, "var/opcua/credential"),
                                       "security.none": True, "anonymous": True}
    if web_port is not None:
        conf["org.watchpost.web"] = {"port": web_port, "bind.address": "127.0.0.1",
                                     "state.dir": os.path.join(work, "var/web")}
    return conf


TELEMETRY = re.compile(r"^TELEMETRY (\S+) (\S+) \{(.*)\}\s*$")
# The installer's page prints its generated login once, on the device's first start.
PASSWORD = re.compile(r"^\s+password: (\S+)\s*$")


class Telemetry:
    """Reads the runtime's console: per-camera frame counters and the detector's runs per second."""

    def __init__(self, stream, log_path):
        self.frames = {}
        self.detector_rates = {}
        self.password, self.page_login_follows = None, False
        self.lock = threading.Lock()
        self.log = open(log_path, "a")
        self.telemetry_log = open(os.path.join(os.path.dirname(log_path), "telemetry.log"), "a")
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for raw in stream:
            line = raw.decode("utf-8", "replace")
            p = PASSWORD.search(line)
            if not line.startswith(("TELEMETRY", "EVENT", "COUNTS")):
                # The runtime shows its generated logins once on its console; the soak's log keeps no copy.
                self.log.write(line[:p.start(1)] + "(not kept)\n" if p else line)
                self.log.flush()
            if "Installer's page: this device made its own login" in line:
                self.page_login_follows = True
            # The OPC UA server prints a generated login of its own in the same form: only the page's counts.
            if p and self.page_login_follows and self.password is None:
                self.password = p.group(1)
            m = TELEMETRY.match(line)
            if not m:
                continue
            self.telemetry_log.write(line)
            subject, body = m.group(2), m.group(3)
            values = dict(kv.split("=", 1) for kv in re.split(r", (?=[A-Za-z_.0-9-]+=)", body) if "=" in kv)
            with self.lock:
                if "frames" in values and "analysed_frames" in values:
                    try:
                        self.frames[subject] = int(float(values["frames"]))
                    except ValueError:
                        pass
                for k, v in values.items():
                    if k.startswith("detector_runs_per_s."):
                        try:
                            self.detector_rates[k] = float(v)
                        except ValueError:
                            pass

    def snapshot(self):
        with self.lock:
            return dict(self.frames), sum(self.detector_rates.values())


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def children(pid):
    kids, frontier = 0, {pid}
    table = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                table.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    while frontier:
        nxt = set()
        for p in frontier:
            for c in table.get(p, []):
                kids += 1
                nxt.add(c)
        frontier = nxt
    return kids


def nmt_committed_mb(pid):
    try:
        out = subprocess.run(["jcmd", str(pid), "VM.native_memory", "summary"], capture_output=True, text=True,
                             timeout=60).stdout
        m = re.search(r"Total: reserved=(\d+)KB, committed=(\d+)KB", out)
        return int(m.group(2)) / 1024 if m else float("nan")
    except (subprocess.SubprocessError, OSError):
        return float("nan")


GC_LINE = re.compile(r"\bGC\(\d+\) Pause .*? (\d+)M->(\d+)M\(\d+M\)")


def heap_after_gc_mb(gc_log, state, full_gc_pid=None):
    """The heap after the last collection in the GC log (unified logging), read incrementally. With a pid, a
    full collection first (jcmd GC.run), so the figure is the live heap, not what young collections left with
    promoted garbage in the old generation."""
    if full_gc_pid is not None:
        try:
            subprocess.run(["jcmd", str(full_gc_pid), "GC.run"], capture_output=True, timeout=60)
            time.sleep(0.5)
        except (subprocess.SubprocessError, OSError):
            pass
    try:
        with open(gc_log) as f:
            f.seek(state.get("pos", 0))
            for line in f:
                m = GC_LINE.search(line)
                if m:
                    state["last"] = int(m.group(2))
            state["pos"] = f.tell()
    except OSError:
        pass
    return state.get("last", float("nan"))


def malloc_arenas_mb(pid):
    """Resident memory in glibc's secondary malloc arenas: 64 MiB-aligned anonymous heaps (rw part + reserve)."""
    regions, current = [], None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
                if m:
                    current = [int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4).strip(), 0]
                    regions.append(current)
                elif line.startswith("Rss:") and current is not None:
                    current[4] = int(line.split()[1])
    except OSError:
        return float("nan")
    resident = 0
    for i, (start, end, perm, name, rss) in enumerate(regions):
        if name or start % (64 << 20) or not perm.startswith("rw"):
            continue
        total = end - start
        if i + 1 < len(regions) and regions[i + 1][0] == end and regions[i + 1][2].startswith("---"):
            total += regions[i + 1][1] - regions[i + 1][0]
        if total == 64 << 20:
            resident += rss
    return resident / 1024.0


def size_mb(path):
    total = 0
    if os.path.isfile(path):
        return os.path.getsize(path) / 1e6
    for d, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(d, name))
            except OSError:
                pass
    return total / 1e6


COLUMNS = ["wall_s", "camera_hours", "rss_mb", "nmt_committed_mb", "malloc_arenas_mb", "heap_after_gc_mb", "fds", "threads", "children",
           "outbox_mb", "state_mb", "frames_per_s", "detector_runs_per_s", "broker_up", "broker_outages", "camera_cuts",
           "rtsp_cuts", "config_changes", "config_failures", "opcua_visits", "opcua_failures", "model_swaps",
           "model_rollbacks", "model_failures"]
UNITS = {"rss_mb": "MB", "nmt_committed_mb": "MB", "malloc_arenas_mb": "MB", "heap_after_gc_mb": "MB", "fds": "", "threads": "",
         "children": "", "outbox_mb": "MB", "state_mb": "MB", "frames_per_s": "", "detector_runs_per_s": ""}


def slope_per_camera_day(rows, key, warm_up_hours):
    pts = [(r["camera_hours"] / 24.0, r[key]) for r in rows
           if r["camera_hours"] >= warm_up_hours and r[key] == r[key]]
    if len(pts) < 3:
        return float("nan")
    n = len(pts)
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return float("nan") if sxx == 0 else sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


def svg_chart(rows, slopes, warm_up_hours, title, path):
    keys = [k for k in UNITS if rows and k in rows[0]]
    w, h, cols = 440, 170, 2
    rows_n = (len(keys) + cols - 1) // cols
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * w + 20}" height="{rows_n * h + 50}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/><text x="10" y="20" font-size="14">{title}</text>']
    xs = [r["camera_hours"] for r in rows]
    x0, x1 = (min(xs), max(xs)) if xs else (0, 1)
    x1 = x1 if x1 > x0 else x0 + 1
    for i, key in enumerate(keys):
        ox, oy = 10 + (i % cols) * w, 35 + (i // cols) * h
        pw, ph = w - 70, h - 50
        vals = [r[key] for r in rows if r[key] == r[key]]
        lo, hi = (min(vals), max(vals)) if vals else (0, 1)
        if hi - lo < 1e-9:
            lo, hi = lo - 1, hi + 1
        pad = (hi - lo) * 0.1
        lo, hi = lo - pad, hi + pad
        px = lambda x: ox + 50 + (x - x0) / (x1 - x0) * pw
        py = lambda y: oy + 20 + (1 - (y - lo) / (hi - lo)) * ph
        s = slopes.get(key, float("nan"))
        out.append(f'<text x="{ox + 50}" y="{oy + 12}" font-weight="bold">{key} '
                   f'<tspan font-weight="normal">slope after warm-up: {s:+.3g} {UNITS[key]}/camera-day</tspan></text>')
        out.append(f'<rect x="{ox + 50}" y="{oy + 20}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        out.append(f'<text x="{ox + 46}" y="{oy + 24}" text-anchor="end">{hi:.4g}</text>'
                   f'<text x="{ox + 46}" y="{oy + 20 + ph}" text-anchor="end">{lo:.4g}</text>')
        out.append(f'<text x="{ox + 50}" y="{oy + ph + 33}">{x0:.2f}</text>'
                   f'<text x="{ox + 50 + pw}" y="{oy + ph + 33}" text-anchor="end">{x1:.2f} camera-hours</text>')
        if x0 <= warm_up_hours <= x1:
            out.append(f'<line x1="{px(warm_up_hours):.1f}" y1="{oy + 20}" x2="{px(warm_up_hours):.1f}" '
                       f'y2="{oy + 20 + ph}" stroke="#c80" stroke-dasharray="3,3"/>')
        pts = " ".join(f"{px(r['camera_hours']):.1f},{py(r[key]):.1f}" for r in rows if r[key] == r[key])
        if pts:
            out.append(f'<polyline points="{pts}" fill="none" stroke="#1f5fbf" stroke-width="1.5"/>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(prog="watchpost soak", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True)
    ap.add_argument("--cameras", type=int, default=1)
    ap.add_argument("--camera-hours", type=float, default=24.0, help="stop after this much camera time (all cameras)")
    ap.add_argument("--wall-minutes", type=float, default=0, help="stop after this much wall time as well (0: no limit)")
    ap.add_argument("--sample-s", type=float, default=60.0, help="sampling interval; shorter for short runs")
    ap.add_argument("--warm-up", type=float, default=0.2, help="share of the run left out of the slopes")
    ap.add_argument("--broker-up-s", type=float, default=240.0)
    ap.add_argument("--broker-down-s", type=float, default=120.0)
    ap.add_argument("--http-camera", choices=["auto", "yes", "no"], default="auto",
                    help="make the last camera an HTTP camera cut off on a cycle (auto: with two cameras or more)")
    ap.add_argument("--camera-up-s", type=float, default=300.0)
    ap.add_argument("--camera-down-s", type=float, default=20.0)
    ap.add_argument("--rtsp-camera", choices=["auto", "yes", "no"], default="auto",
                    help="make the camera before the last an RTSP camera (GStreamer) cut off on a cycle "
                         "(auto: with three cameras or more)")
    ap.add_argument("--rtsp-up-s", type=float, default=240.0)
    ap.add_argument("--rtsp-down-s", type=float, default=20.0)
    ap.add_argument("--opcua-every-s", type=float, default=120.0,
                    help="an OPC UA client visits this often (0: never, no OPC UA server)")
    ap.add_argument("--config-every-s", type=float, default=180.0,
                    help="a rule saved or deleted through the installer's page this often (0: never, no page)")
    ap.add_argument("--swap-every-s", type=float, default=600.0,
                    help="a model swap or rollback this often, in turn (0: never)")
    ap.add_argument("--probation-s", type=int, default=60, help="the device's probation of a swapped-in model")
    ap.add_argument("--full-gc", action=argparse.BooleanOptionalAction, default=True,
                    help="a full collection before each heap sample (live heap); --no-full-gc leaves the JVM alone")
    ap.add_argument("--outbox-max-bytes", type=int, default=2 << 20, help="small, so that outages fill it")
    ap.add_argument("--jar", default=None, help="the runnable runtime jar (default target-platform/target/watchpost.jar)")
    ap.add_argument("--java-opts", default="",
                    help="JVM options; ./watchpost soak passes the runtime's own (heap cap), plain soak.py none")
    ap.add_argument("--out", default=None)
    ap.add_argument("--replot", default=None, help="only draw the chart and slopes again from DIR/soak.csv")
    a = ap.parse_args()
    if a.replot:
        return replot(os.path.abspath(a.replot), a.warm_up)

    root = os.path.abspath(a.root)
    shared = os.path.abspath(os.path.join(root, "..", "shared"))
    jar = a.jar or os.path.join(root, "target-platform/target/watchpost.jar")
    out = os.path.abspath(a.out or os.path.join(root, "target", "soak", time.strftime("%Y%m%d-%H%M%S")))
    work = os.path.join(out, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "var"), exist_ok=True)
    broker = Broker(work, free_port())
    http = None
    if a.http_camera == "yes" or (a.http_camera == "auto" and a.cameras >= 2):
        http = HttpCamera(work, os.path.join(shared, "data/video/vtest.mp4"), free_port())
        http.start()
    rtsp = None
    if a.rtsp_camera == "yes" or (a.rtsp_camera == "auto" and a.cameras >= 3):
        if a.cameras < 2:
            sys.exit("soak: an RTSP camera needs two cameras or more (it is the one before the last)")
        rtsp = RtspCamera(root, work, os.path.join(shared, "data/video/vtest.mp4"), free_port())
        rtsp.start()
    page = InstallerPage(free_port(), "cam0") if a.config_every_s > 0 else None
    ua = None
    if a.opcua_every_s > 0:
        ua = UaClients(root, out, free_port())
        ua.start()
    swaps = None
    if a.swap_every_s > 0:
        swaps = ModelSwaps(root, out, work, "soak", "soak-box")
        swaps.prepare()
    conf_path = os.path.join(work, "config.json")
    with open(conf_path, "w") as f:
        json.dump(configuration(root, shared, work, a.cameras, broker.port, a.outbox_max_bytes,
                                http.url if http else None, rtsp.url if rtsp else None,
                                page.port if page else None, ua.port if ua else None, swaps, a.probation_s), f,
                  indent=1)
    gc_log = os.path.join(out, "gc.log")
    java_opts = a.java_opts.split()
    # The runtime's own temporary directory, as bin/watchpost gives it (the natives' options come from ./watchpost).
    tmpdir = os.path.join(work, "var", "tmp")
    os.makedirs(tmpdir, exist_ok=True)
    cmd = ["java", "-XX:+ExitOnOutOfMemoryError", *java_opts, "-XX:NativeMemoryTracking=summary",
           f"-Djava.io.tmpdir={tmpdir}",
           f"-Xlog:gc:file={gc_log}", f"-Dconfigurator.initial=file://{conf_path}",
           f"-Dorg.osgi.framework.storage={work}/var/framework", "-jar", jar]
    broker.start()
    print(f"soak: {a.cameras} camera(s) to {a.camera_hours} camera-hours, sampling every {a.sample_s:g} s; "
          f"output {out}", flush=True)
    print("soak: " + " ".join(cmd), flush=True)
    runtime = subprocess.Popen(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=dict(os.environ))
    telemetry = Telemetry(runtime.stdout, os.path.join(out, "runtime.log"))
    stop = {"now": False}
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__("now", True))
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("now", True))

    rows, gc_state = [], {}
    started = time.monotonic()
    last_t, last_frames = started, 0
    broker_next = started + a.broker_up_s
    camera_next = started + a.camera_up_s
    rtsp_next = started + a.rtsp_up_s
    config_next = started + a.config_every_s
    opcua_next = started + a.opcua_every_s
    swap_next = started + a.swap_every_s
    next_sample = started + a.sample_s
    csv_path = os.path.join(out, "soak.csv")
    with open(csv_path, "w") as csv:
        csv.write(",".join(COLUMNS) + "\n")
        while not stop["now"] and runtime.poll() is None:
            now = time.monotonic()
            if now >= broker_next:
                if broker.proc is None:
                    broker.start()
                    broker_next = now + a.broker_up_s
                else:
                    broker.stop()
                    broker_next = now + a.broker_down_s
            if http is not None:
                if now >= camera_next:
                    if http.proc is None:
                        http.start()
                        camera_next = now + a.camera_up_s
                    else:
                        http.stop()
                        camera_next = now + a.camera_down_s
                elif http.proc is not None:
                    http.alive()
            if rtsp is not None and now >= rtsp_next:
                if rtsp.proc is None:
                    rtsp.start()
                    rtsp_next = now + a.rtsp_up_s
                else:
                    rtsp.stop()
                    rtsp_next = now + a.rtsp_down_s
            if page is not None and now >= config_next:
                if up:
                    page.password = page.password or telemetry.password
                    page.change()
                config_next = time.monotonic() + (a.config_every_s if up else 5)
            # Visits and changes start once the runtime reports (a slow start is not a failed visit).
            up = bool(telemetry.snapshot()[0])
            if ua is not None and now >= opcua_next:
                if up:
                    ua.visit()
                opcua_next = now + (a.opcua_every_s if up else 5)
            if swaps is not None and now >= swap_next:
                # Started with the broker up and most of its up time ahead: an outage during a transfer is the
                # broker cycle's business; a swap that could not even be offered would only be noise.
                if up and broker.proc is not None and broker_next - now > 0.5 * a.broker_up_s:
                    swaps.step(f"tcp://127.0.0.1:{broker.port}")
                    swap_next = now + a.swap_every_s
                else:
                    swap_next = now + 5
            if now < next_sample:
                # Short naps: the HTTP camera's server serves one client and must be back at once for the next.
                time.sleep(min(0.2 if http else 1.0, next_sample - now))
                continue
            next_sample += a.sample_s
            frames, detector_rate = telemetry.snapshot()
            total = sum(frames.values())
            st = proc_status(runtime.pid)
            row = {"wall_s": round(now - started, 1), "camera_hours": total / VTEST_FPS / 3600.0,
                   "rss_mb": int(st["VmRSS"].split()[0]) / 1024.0, "nmt_committed_mb": nmt_committed_mb(runtime.pid),
                   "malloc_arenas_mb": malloc_arenas_mb(runtime.pid),
                   "heap_after_gc_mb": heap_after_gc_mb(gc_log, gc_state, runtime.pid if a.full_gc else None),
                   "fds": len(os.listdir(f"/proc/{runtime.pid}/fd")), "threads": int(st["Threads"]),
                   "children": children(runtime.pid),
                   "outbox_mb": sum(size_mb(os.path.join(work, "var", n)) for n in os.listdir(os.path.join(work, "var"))
                                    if n.startswith("outbox.db")),
                   # What the device keeps (outbox, baselines, model slots), not the framework's unpacked bundles.
                   "state_mb": size_mb(os.path.join(work, "var")) - size_mb(os.path.join(work, "var", "framework")),
                   "frames_per_s": (total - last_frames) / max(1e-9, now - last_t),
                   "detector_runs_per_s": detector_rate, "broker_up": int(broker.proc is not None),
                   "broker_outages": broker.outages, "camera_cuts": http.cuts if http else 0,
                   "rtsp_cuts": rtsp.cuts if rtsp else 0, "config_changes": page.changes if page else 0,
                   "config_failures": page.failures if page else 0,
                   "opcua_visits": ua.visits if ua else 0, "opcua_failures": ua.failures if ua else 0,
                   "model_swaps": swaps.swaps if swaps else 0, "model_rollbacks": swaps.rollbacks if swaps else 0,
                   "model_failures": swaps.failures if swaps else 0}
            if swaps is not None:
                swaps.busy()
            last_t, last_frames = now, total
            rows.append(row)
            csv.write(",".join(f"{row[c]:.4f}" if isinstance(row[c], float) else str(row[c]) for c in COLUMNS) + "\n")
            csv.flush()
            print("soak: " + " ".join(f"{c}={row[c]:.2f}" if isinstance(row[c], float) else f"{c}={row[c]}"
                                      for c in COLUMNS), flush=True)
            if row["camera_hours"] >= a.camera_hours or (a.wall_minutes and now - started >= a.wall_minutes * 60):
                break
    died = runtime.poll()
    if died is None:
        runtime.terminate()
        try:
            runtime.wait(90)
        except subprocess.TimeoutExpired:
            runtime.kill()
    broker.stop()
    if http is not None:
        http.stop()
    if rtsp is not None:
        rtsp.stop()
    if ua is not None:
        ua.stop()
    if swaps is not None:
        swaps.stop()
    hours = rows[-1]["camera_hours"] if rows else 0
    warm = hours * a.warm_up
    slopes = {k: slope_per_camera_day(rows, k, warm) for k in UNITS}
    summary = {"cameras": a.cameras, "camera_hours": hours, "wall_s": rows[-1]["wall_s"] if rows else 0,
               "samples": len(rows), "warm_up_camera_hours": warm, "java": cmd[:cmd.index("-jar")],
               "runtime_died": died, "broker_outages": broker.outages,
               "stimuli": {"broker_outages": broker.outages, "http_camera_cuts": http.cuts if http else 0,
                           "rtsp_camera_cuts": rtsp.cuts if rtsp else 0,
                           "configuration_changes": page.changes if page else 0,
                           "configuration_failures": page.failures if page else 0,
                           "opcua_visits": ua.visits if ua else 0, "opcua_failures": ua.failures if ua else 0,
                           "model_swaps": swaps.swaps if swaps else 0,
                           "model_rollbacks": swaps.rollbacks if swaps else 0,
                           "model_failures": swaps.failures if swaps else 0},
               "slopes_per_camera_day_after_warm_up": slopes,
               "last": rows[-1] if rows else None}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    svg_chart(rows, slopes, warm, f"Watchpost soak: {a.cameras} camera(s), {hours:.2f} camera-hours, "
              f"{summary['wall_s'] / 60:.0f} min wall", os.path.join(out, "soak.svg"))
    print(json.dumps(summary, indent=1))
    print(f"soak: {csv_path}, {os.path.join(out, 'soak.svg')}")
    if died is not None:
        print(f"soak: the runtime ended by itself (exit {died}); see {os.path.join(out, 'runtime.log')}", file=sys.stderr)
        return 1
    return 0


def replot(out, warm_up):
    import csv
    with open(os.path.join(out, "soak.csv")) as f:
        rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]
    hours = rows[-1]["camera_hours"] if rows else 0
    warm = hours * warm_up
    slopes = {k: slope_per_camera_day(rows, k, warm) for k in UNITS if rows and k in rows[0]}
    cameras = "?"
    try:
        with open(os.path.join(out, "summary.json")) as f:
            cameras = json.load(f)["cameras"]
    except (OSError, KeyError, ValueError):
        pass
    svg_chart(rows, slopes, warm, f"Watchpost soak: {cameras} camera(s), {hours:.2f} camera-hours, "
              f"{rows[-1]['wall_s'] / 60:.0f} min wall" if rows else "empty", os.path.join(out, "soak.svg"))
    print(json.dumps({"camera_hours": hours, "warm_up_camera_hours": warm, "slopes_per_camera_day_after_warm_up": slopes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
