# SPDX-License-Identifier: Apache-2.0
"""What the local fake API servers of the tests share: publish the bound port
atomically, never outlive the test that started them (even when it crashed),
and serve until killed. Standard library only."""
import os
import threading
import time


def serve(srv, portfile, parent_pid, max_seconds):
    """Runs srv (a ThreadingHTTPServer) after writing its port to portfile;
    exits when parent_pid (default: the parent at start) goes away or after
    max_seconds."""
    parent = parent_pid or os.getppid()
    started = time.monotonic()

    def watchdog():
        while True:
            time.sleep(0.2)
            if os.getppid() != parent or time.monotonic() - started > max_seconds:
                os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, portfile)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
