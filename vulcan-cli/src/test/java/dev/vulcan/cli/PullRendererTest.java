package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class PullRendererTest {

    private static final String CONFIG = "sha256:" + "c".repeat(64);
    private static final String LAYER = "sha256:" + "0123456789abcdef".repeat(4);
    private static final String MANIFEST = "sha256:" + "f".repeat(64);

    private final StringWriter text = new StringWriter();

    private PullRenderer renderer(boolean terminal, int columns) {
        return new PullRenderer(new PrintWriter(text), terminal, columns);
    }

    @Test
    void onATerminalEachBlobIsABarRedrawnInPlaceThenItsFinalState() {
        PullRenderer renderer = renderer(true, 60);

        renderer.progress(CONFIG, "exists", 1_200, 1_200);
        renderer.progress(LAYER, "downloading", 0, 2_000_000);
        renderer.progress(LAYER, "downloading", 1_000_000, 2_000_000);
        renderer.progress(LAYER, "downloaded", 2_000_000, 2_000_000);
        renderer.pulled("127.0.0.1:5000/team/app:2", MANIFEST, 2_001_700);

        // 60 columns, less 1 kept free, 14 for the id, 3 for "[] ", 15 for the widest amount: a 27-wide bar
        assertThat(text.toString()).isEqualTo(
                "\rcccccccccccc: already exists\n"
                        + "\r0123456789ab: [>" + " ".repeat(26) + "] 0 B / 2.0 MB"
                        + "\r0123456789ab: [" + "=".repeat(12) + ">" + " ".repeat(14) + "] 1.0 MB / 2.0 MB"
                        + "\r0123456789ab: downloaded 2.0 MB" + " ".repeat(59 - 31) + "\n"
                        + "pulled 127.0.0.1:5000/team/app:2 " + MANIFEST + " (2.0 MB)\n");
    }

    @Test
    void aNarrowTerminalGetsNoBarAndNoLineReachesTheLastColumn() {
        PullRenderer renderer = renderer(true, 30);

        renderer.progress(LAYER, "downloading", 500_000, 2_000_000);

        assertThat(text.toString()).isEqualTo("\r0123456789ab: 500 kB / 2.0 MB");
        assertThat(text.toString().length() - 1).isLessThan(30);
    }

    @Test
    void withoutATerminalOnlyFinishedBlobsArePrintedOneLineEach() {
        PullRenderer renderer = renderer(false, 80);

        renderer.progress(CONFIG, "exists", 1_200, 1_200);
        renderer.progress(LAYER, "downloading", 0, 2_000_000);
        renderer.progress(LAYER, "downloading", 1_000_000, 2_000_000);
        renderer.progress(LAYER, "downloaded", 2_000_000, 2_000_000);
        renderer.pulled("busybox:1", MANIFEST, 2_001_700);

        assertThat(text.toString()).isEqualTo("""
                cccccccccccc: already exists
                0123456789ab: downloaded 2.0 MB
                pulled busybox:1 %s (2.0 MB)
                """.formatted(MANIFEST));
    }
}
