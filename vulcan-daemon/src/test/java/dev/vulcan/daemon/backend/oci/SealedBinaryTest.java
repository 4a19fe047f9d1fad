package dev.vulcan.daemon.backend.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A sealed memfd copy of a binary runs like the original and cannot be written to. */
class SealedBinaryTest {

    @Test
    void theSealedCopyRunsAndRefusesWrites() throws Exception {
        Path copy = SealedBinary.of("echo").orElseThrow();
        assertThat(copy.toString()).startsWith("/proc/" + ProcessHandle.current().pid() + "/fd/");

        Process p = new ProcessBuilder(copy.toString(), "sealed", "copy").redirectErrorStream(true).start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("sealed copy\n");
        assertThat(p.waitFor()).isZero();

        assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(SealedBinary.resolve("echo").orElseThrow()));
        // F_SEAL_WRITE: what a container could try through /proc/<runtime>/exe fails
        assertThatThrownBy(() -> Files.write(copy, new byte[] {0})).isInstanceOf(IOException.class);
    }

    @Test
    void anUnknownBinaryHasNoCopy() throws IOException {
        assertThat(SealedBinary.of("vulcan-no-such-binary")).isEmpty();
        assertThat(SealedBinary.resolve("/nonexistent/crun")).isEmpty();
    }
}
