package dev.vulcan.daemon.backend.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostRecordTest {

    @TempDir
    Path dir;

    @Test
    void statLineWithParenthesesAndSpacesInTheNameIsParsed() {
        String line = "4242 (deno (main) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 10 5 0 0 20 0 12 0 987654 "
                + "1000000 2000 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

        assertThat(ProcStat.parse(4242, line)).isEqualTo(new ProcStat(4242, 'S', 987654));
    }

    @Test
    void zombiesHaveEnded() {
        assertThat(new ProcStat(1, 'Z', 5).running()).isFalse();
        assertThat(new ProcStat(1, 'R', 5).running()).isTrue();
    }

    @Test
    void truncatedStatLineIsRejected() {
        assertThatThrownBy(() -> ProcStat.parse(1, "1 (x) S 1 2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thisProcessIsRecordedWithItsStartTime() throws IOException {
        long self = ProcessHandle.current().pid();
        HostRecord record = HostRecord.of(self);
        Path file = dir.resolve("isolate-1.pid");

        record.write(file);

        assertThat(HostRecord.read(file)).contains(record);
        assertThat(record.running()).isTrue();
        assertThat(new HostRecord(self, record.startTicks() + 1).running()).as("recycled PID").isFalse();
    }

    @Test
    void goneProcessIsNotRunning() {
        assertThat(new HostRecord(999_999_999, 1).running()).isFalse();
        assertThatThrownBy(() -> HostRecord.of(999_999_999)).isInstanceOf(IOException.class);
    }

    @Test
    void garbledRecordIsIgnored() throws IOException {
        Files.writeString(dir.resolve("bad.pid"), "12 ab\n");

        assertThat(HostRecord.read(dir.resolve("bad.pid"))).isEmpty();
        assertThat(HostRecord.read(dir.resolve("missing.pid"))).isEmpty();
        assertThat(HostRecord.parse("12")).isEqualTo(Optional.empty());
    }
}
