package dev.vulcan.daemon.backend.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputTailTest {

    @Test
    void keepsTheLastLinesAndCutsLongOnes() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            text.append("line ").append(i).append('\n');
        }
        text.append("x".repeat(10_000));
        OutputTail tail = new OutputTail();
        List<String> seen = new ArrayList<>();

        tail.drain(new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8)), seen::add);

        assertThat(seen).hasSize(101);
        assertThat(seen.getLast()).hasSize(OutputTail.MAX_LINE_BYTES);
        assertThat(tail.text(2)).isEqualTo("line 99\n" + "x".repeat(OutputTail.MAX_LINE_BYTES));
        assertThat(tail.sawOutOfMemory()).isFalse();
    }

    @Test
    void notesV8RunningOutOfHeapEvenWhenItScrollsAway() {
        String text = "#\n# Fatal JavaScript out of memory: Reached heap limit\n#\n" + "frame\n".repeat(100);
        OutputTail tail = new OutputTail();

        tail.drain(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), line -> {});

        assertThat(tail.sawOutOfMemory()).isTrue();
        assertThat(tail.text(100)).doesNotContain("Fatal");
    }
}
