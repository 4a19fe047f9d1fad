package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real daemon shared by the tests of a class. On teardown it must stop on SIGTERM with exit
 * code 0 and leave no child process behind; its network layout then leaves the host.
 */
abstract class SharedDaemon {

    @TempDir
    static Path temp;

    static DaemonProcess daemon;
    static Http http;

    @BeforeAll
    static void startDaemon() {
        daemon = DaemonProcess.start(temp.resolve("state"));
        http = daemon.http();
    }

    @AfterAll
    static void stopDaemon() throws InterruptedException {
        if (daemon != null) {
            try {
                var children = daemon.children();
                assertThat(daemon.stop()).as("exit code after SIGTERM").isZero();
                assertThat(children).as("processes left after shutdown").noneMatch(ProcessHandle::isAlive);
            } finally {
                daemon.close(); // its bridge and chains off the host now, not in a JVM exit hook that may not finish
                daemon = null;
            }
        }
    }
}
