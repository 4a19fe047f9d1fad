package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.LogEvent;
import dev.vulcan.daemon.backend.InstanceDriver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmConsoleLogTest {

    @TempDir
    Path dir;

    @Test
    void terminalLinesLoseTheirCarriageReturnAndAPartialLineWaits() throws Exception {
        Path log = dir.resolve("console.log");
        Files.writeString(log, "hello\r\nworld\r\n/ # ", StandardCharsets.UTF_8);
        InstanceDriver.LogChunk first = VmConsoleLog.read(log, 0);
        assertThat(first.events()).extracting(LogEvent::line).containsExactly("hello", "world");
        assertThat(first.events()).extracting(LogEvent::stream).containsOnly("stdout");
        assertThat(first.next()).isEqualTo("hello\r\nworld\r\n".length());
        Files.writeString(log, "echo x\r\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        InstanceDriver.LogChunk second = VmConsoleLog.read(log, first.next());
        assertThat(second.events()).extracting(LogEvent::line).containsExactly("/ # echo x");
        assertThat(VmConsoleLog.read(log, second.next()).events()).isEmpty();
    }

    @Test
    void noLogYetIsNoLines() throws Exception {
        assertThat(VmConsoleLog.read(dir.resolve("none"), 0).events()).isEmpty();
    }

    @Test
    void aLineLongerThanAReadComesOutInPieces() {
        byte[] big = new byte[VmConsoleLog.MAX_CHUNK];
        java.util.Arrays.fill(big, (byte) 'a');
        InstanceDriver.LogChunk chunk = VmConsoleLog.parse(big, 10);
        assertThat(chunk.events()).hasSize(1);
        assertThat(chunk.next()).isEqualTo(10 + big.length);
    }
}
