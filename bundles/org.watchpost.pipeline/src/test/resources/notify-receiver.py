# Stands in for systemd's notify socket in tests: binds a unix datagram socket (abstract name from argv),
# prints each message on one line (newlines as '|'), and closes the file descriptors that arrive with a
# message (systemd-notify's barrier waits until they are closed). Ends when its standard input closes.
import array, os, socket, sys, threading

name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
print("bound", flush=True)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
while True:
    data, ancillary, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    for level, kind, cdata in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(cdata[: len(cdata) - len(cdata) % fds.itemsize])
            for fd in fds:
                os.close(fd)
    print(data.decode("utf-8", "replace").replace("\n", "|"), flush=True)
