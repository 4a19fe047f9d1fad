package dev.vulcan.daemon.backend.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.LogEvent;
import dev.vulcan.daemon.backend.InstanceDriver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConmonLogTest {

    @TempDir
    Path dir;

    @Test
    void readsWholeLinesJoinsPartialsAndResumesWhereItStopped() throws IOException {
        Path log = dir.resolve("ctr.log");
        Files.writeString(log, """
                2026-11-23T09:09:44.538007909+00:00 stdout F hello
                2026-11-23T09:09:44.538071844+00:00 stderr F err with  spaces
                2026-11-23T09:09:45.000000000+00:00 stdout P first half,
                """);

        InstanceDriver.LogChunk first = ConmonLog.read(log, 0);
        assertThat(first.events()).extracting(LogEvent::stream, LogEvent::line)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("stdout", "hello"),
                        org.assertj.core.groups.Tuple.tuple("stderr", "err with  spaces"));
        assertThat(first.events().getFirst().time()).isEqualTo(Instant.parse("2026-11-23T09:09:44.538007909Z"));
        // the partial line is not returned until its end arrives; the next read starts at it
        Files.writeString(log, "2026-11-23T09:09:45.100000000+00:00 stdout F  second half\n"
                + "2026-11-23T09:09:46.000000000+00:00 stdout F \n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        InstanceDriver.LogChunk second = ConmonLog.read(log, first.next());
        assertThat(second.events()).extracting(LogEvent::line).containsExactly("first half, second half", "");
        assertThat(second.next()).isEqualTo(Files.size(log));
        assertThat(ConmonLog.read(log, second.next()).events()).isEmpty();
    }

    @Test
    void aMissingLogIsEmpty() throws IOException {
        InstanceDriver.LogChunk chunk = ConmonLog.read(dir.resolve("none.log"), 0);
        assertThat(chunk.events()).isEmpty();
        assertThat(chunk.next()).isZero();
    }
}
