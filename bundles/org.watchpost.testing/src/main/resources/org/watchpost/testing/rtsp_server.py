#!/usr/bin/python3
"""A real RTSP server for the tests: GStreamer's GstRtspServer (Debian's gir1.2-gst-rtsp-server-1.0 and
python3-gi) serving an H.264 MP4 clip as RTP/H.264 over RTSP, TCP or UDP as the client asks, looping
the clip so that a stream never ends while a test runs.

usage: rtsp_server.py CLIP PORT PATH [USER PASSWORD]
Prints "READY rtsp://127.0.0.1:PORT/PATH" on stdout once it listens.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main(argv):
    if len(argv) not in (4, 6):
        sys.stderr.write(__doc__)
        return 2
    clip, port, path = argv[1], argv[2], argv[3].strip("/")
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    # The clip is H.264 already: parsed and payloaded, never re-encoded, at the clip's own pace.
    location = clip.replace("\\", "\\\\").replace('"', '\\"')
    factory.set_launch(
        '( multifilesrc location="%s" loop=true ! qtdemux ! h264parse config-interval=-1 '
        "! rtph264pay name=pay0 pt=96 )" % location)
    factory.set_shared(False)
    if len(argv) == 6:
        user, password = argv[4], argv[5]
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_role("user")
        permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
        permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/" + path, factory)
    if server.attach(None) == 0:
        sys.stderr.write("cannot listen on 127.0.0.1:%s\n" % port)
        return 1
    print("READY rtsp://127.0.0.1:%s/%s" % (port, path), flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
