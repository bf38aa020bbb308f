#!/usr/bin/env bash
# Proves a distribution whole: unpacks the tarball, fetches the model with its own models/fetch, and runs its
# own launcher on vtest frames with the detector on every frame; passes when the runtime finds the people.
#
#   target-platform/dist/prove.sh [linux-aarch64|linux-x86_64] [TARBALL]
#
# linux-aarch64 on another host runs under emulation: Debian's qemu-user-static and the arm64 Java 17 runtime
# from Debian's multiarch packages (installed here when missing, as root). Under emulation a frame takes
# seconds and the whole proof a few minutes. WATCHPOST_SHARED points at the shared data (clip and weights).
set -euo pipefail

platform="${1:-linux-aarch64}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
shared="${WATCHPOST_SHARED:-$root/../shared}"
tarball="${2:-}"
if [ -z "$tarball" ]; then
  tarball="$(ls "$root"/target-platform/target/dist/watchpost-*-"$platform".tar.gz 2>/dev/null | head -1 || true)"
fi
if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
  echo "prove: no $platform tarball; build it first: ./mvnw -q package -DskipTests" >&2
  exit 2
fi
clip="${WATCHPOST_CLIP:-$shared/data/video/vtest-mjpeg.avi}"
[ -r "$clip" ] || { echo "prove: no clip at $clip" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/watchpost-prove.XXXXXX")"
tar -xzf "$tarball" -C "$work"
home="$(echo "$work"/watchpost-*)"
echo "prove: $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KB) unpacked in $home"
WATCHPOST_SHARED="$shared" "$home/models/fetch" yolox-nano

java_cmd="${WATCHPOST_JAVA:-java}"
case "$platform" in
  linux-aarch64)
    if [ "$(uname -m)" != "aarch64" ]; then
      arm_java=/usr/lib/jvm/java-17-openjdk-arm64/bin/java
      if ! command -v qemu-aarch64-static >/dev/null 2>&1 || [ ! -x "$arm_java" ]; then
        echo "prove: installing qemu-user-static and openjdk-17-jre-headless:arm64 (Debian multiarch)"
        dpkg --add-architecture arm64
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static openjdk-17-jre-headless:arm64 >/dev/null
      fi
      java_cmd="qemu-aarch64-static -L / $arm_java"
    fi ;;
  linux-x86_64) ;;
  *) echo "prove: unknown platform $platform" >&2; exit 2 ;;
esac

summary="$work/summary.json"
cat > "$work/config.json" <<JSON
{
  ":configurator:resource-version": 1,
  ":configurator:symbolic-name": "watchpost.prove",
  ":configurator:version": "1.0.0",
  "org.watchpost.inference": {"model.manifest": "models/yolox-nano/manifest.json", "intra.op.threads": 2},
  "org.watchpost.camera~prove": {
    "camera.id": "prove",
    "source": "$clip",
    "feed.mode": "every_frame",
    "max.frames": ${WATCHPOST_PROVE_FRAMES:-2},
    "print.detections": true,
    "summary.file": "$summary",
    "exit.when.done": true,
    "analytics.target": "(component.name=none)"
  }
}
JSON
echo "prove: running $home/bin/watchpost with ${java_cmd}"
started=$(date +%s)
WATCHPOST_JAVA="$java_cmd" WATCHPOST_JAVA_OPTS="-Xmx512m" timeout 1800 "$home/bin/watchpost" --config "$work/config.json" \
  > "$work/runtime.log" 2>&1 || true
elapsed=$(( $(date +%s) - started ))
grep -E "prove frame|ERROR" "$work/runtime.log" | head -20 || true
if [ ! -f "$summary" ]; then
  echo "prove: FAILED, no summary after ${elapsed} s; the runtime's log is $work/runtime.log" >&2
  tail -30 "$work/runtime.log" >&2
  exit 1
fi
arch="$($java_cmd -XshowSettings:properties -version 2>&1 | sed -n 's/^ *os.arch = //p')"
persons="$(sed -n 's/^ *"person": \([0-9]*\).*/\1/p' "$summary" | head -1)"
persons="${persons:-0}"
echo "prove: $platform on a JVM reporting os.arch=$arch: $persons person detections in ${WATCHPOST_PROVE_FRAMES:-2} frames, ${elapsed} s in all"
if [ "$persons" -lt 3 ]; then
  echo "prove: FAILED, expected the people of vtest (at least 3 detections); summary $summary" >&2
  exit 1
fi
echo "prove: PASSED ($work)"
