#!/usr/bin/env python3
"""What the installer's page costs the device: CPU of the real runtime (vtest in real time, 10 fps, one camera)
over equal windows with the page off, on but unwatched, and watched by one viewer fetching the live view as the
page does (the next JPEG when the last has arrived); bytes per second of the live view.

  python3 bundles/org.watchpost.web/bench/page_cost.py [--runs 3] [--window 20] [--jar target-platform/target/watchpost.jar]

Needs ../shared (model and vtest). Windows alternate within each run so that the machine's load hits all alike;
the figures are medians over runs. Prints one JSON line per run and a summary."""
import argparse, json, os, re, shutil, ssl, statistics, subprocess, sys, tempfile, threading, time, http.client

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
SHARED = os.path.abspath(os.path.join(ROOT, '..', 'shared'))
TICK = os.sysconf('SC_CLK_TCK')


def config(work, port, enabled):
    model = os.path.join(work, 'model')
    os.makedirs(model, exist_ok=True)
    for f in ('manifest.json', 'labels.txt'):
        shutil.copy(os.path.join(ROOT, 'models/yolox-nano', f), model)
    shutil.copy(os.path.join(SHARED, 'models/yolox-nano/yolox_nano.onnx'), model)
    rules = json.load(open(os.path.join(ROOT, 'bundles/org.watchpost.analytics/config/vtest-rules.json')))
    c = {':configurator:resource-version': 1, ':configurator:symbolic-name': 'page-cost', ':configurator:version': '1.0.0',
         'org.watchpost.inference': {'model.manifest': os.path.join(model, 'manifest.json'), 'warmup.runs': 1},
         'org.watchpost.camera~gate': {'camera.id': 'gate', 'source': os.path.join(SHARED, 'data/video/vtest-mjpeg.avi'),
                                      'realtime': True, 'loop': True, 'analytics.cardinality.minimum': 1},
         'org.watchpost.health.camera': {'baseline.dir': os.path.join(work, 'baselines')},
         'org.watchpost.health.device': {'data.dir': work},
         'org.watchpost.uplink': {'broker.url': 'tcp://127.0.0.1:1', 'outbox.path': os.path.join(work, 'outbox.db'),
                                  'reconnect.initial.ms': 600000, 'drain.on.stop.s': 0},
         'org.watchpost.web': {'enabled': enabled, 'port': port, 'bind.address': '127.0.0.1', 'state.dir': os.path.join(work, 'web')}}
    c.update({k: v for k, v in rules.items() if not k.startswith(':')})
    path = os.path.join(work, 'config.json')
    json.dump(c, open(path, 'w'))
    return path


def cpu(pid):
    f = open(f'/proc/{pid}/stat').read()
    fields = f[f.rindex(')') + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start(jar, work, port, enabled):
    cfg = config(work, port, enabled)
    log = open(os.path.join(work, 'runtime.log'), 'w')
    p = subprocess.Popen(['java', f'-Dconfigurator.initial=file://{cfg}', f'-Dorg.osgi.framework.storage={work}/framework',
                          '-jar', jar], cwd=work, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        text = open(os.path.join(work, 'runtime.log')).read()
        if 'camera gate running' in text and (not enabled or 'Started ServerConnector' in text):
            return p, text
        time.sleep(0.5)
    p.kill()
    raise SystemExit('runtime did not start: ' + open(os.path.join(work, 'runtime.log')).read()[-2000:])


class Viewer(threading.Thread):
    def __init__(self, port, password):
        super().__init__(daemon=True)
        self.port, self.password, self.stop, self.bytes, self.frames = port, password, False, 0, 0
        self.ctx = ssl.create_default_context(); self.ctx.check_hostname = False; self.ctx.verify_mode = ssl.CERT_NONE

    def run(self):
        c = http.client.HTTPSConnection('127.0.0.1', self.port, context=self.ctx, timeout=10)
        c.request('POST', '/watchpost/api/login', json.dumps({'user': 'installer', 'password': self.password}), {'Content-Type': 'application/json'})
        r = c.getresponse(); r.read()
        cookie = r.getheader('Set-Cookie').split(';')[0]
        seq = 0
        while not self.stop:
            c.request('GET', f'/watchpost/api/live/gate.jpg?after={seq}', headers={'Cookie': cookie})
            r = c.getresponse(); body = r.read()
            if r.status == 200:
                seq = int(r.getheader('X-Frame-Sequence')); self.bytes += len(body); self.frames += 1


def window(pid, seconds):
    c0, t0 = cpu(pid), time.time()
    time.sleep(seconds)
    return (cpu(pid) - c0) / (time.time() - t0)


def main():
    a = argparse.ArgumentParser()
    a.add_argument('--runs', type=int, default=3)
    a.add_argument('--window', type=float, default=20)
    a.add_argument('--jar', default=os.path.join(ROOT, 'target-platform/target/watchpost.jar'))
    args = a.parse_args()
    rows = []
    for run in range(args.runs):
        row = {}
        for enabled in (False, True):
            work = tempfile.mkdtemp(prefix='page-cost-')
            port = 20443 + run
            p, text = start(args.jar, work, port, enabled)
            try:
                time.sleep(10)  # warm-up: detector, baselines, JIT
                if not enabled:
                    row['off_cpu'] = window(p.pid, args.window)
                    continue
                row['idle_cpu'] = window(p.pid, args.window)
                password = re.search(r'password: (\S+)', text).group(1)
                v = Viewer(port, password); v.start()
                time.sleep(3)
                b0, f0, t0 = v.bytes, v.frames, time.time()
                row['watched_cpu'] = window(p.pid, args.window)
                dt = time.time() - t0
                row['live_bytes_per_s'] = (v.bytes - b0) / dt
                row['live_fps'] = (v.frames - f0) / dt
                v.stop = True
                time.sleep(5)  # the linger time passes: rendering stops
                row['after_cpu'] = window(p.pid, args.window)
            finally:
                p.terminate(); p.wait(30); shutil.rmtree(work, ignore_errors=True)
        row['load1'] = os.getloadavg()[0]
        print(json.dumps(row), flush=True)
        rows.append(row)
    med = {k: round(statistics.median(r[k] for r in rows), 3) for k in rows[0]}
    print('median', json.dumps(med))
    print(f"page on, unwatched vs off: {100 * (med['idle_cpu'] / med['off_cpu'] - 1):+.1f} % CPU; "
          f"one viewer: {100 * (med['watched_cpu'] / med['idle_cpu'] - 1):+.1f} % CPU "
          f"({med['watched_cpu'] - med['idle_cpu']:+.3f} cores); live view {med['live_bytes_per_s'] / 1024:.0f} KiB/s at {med['live_fps']:.1f} frames/s")


if __name__ == '__main__':
    main()
