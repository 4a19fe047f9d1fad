package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test that starts a daemon of its own (and may kill -9 and restart it). On teardown the daemon's
 * instances are removed (they outlive a daemon by design), it must stop on SIGTERM with exit code 0,
 * and its network layout leaves the host.
 */
abstract class OwnDaemon {

    @TempDir
    Path temp;

    DaemonProcess daemon;

    @AfterEach
    void stopDaemon() throws InterruptedException {
        if (daemon != null) {
            try {
                assertThat(daemon.removeInstancesAndStop()).isZero();
            } finally {
                daemon.close();
            }
        }
    }
}
