package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/** The busybox image the demo uses, built by scripts/busybox-image and imported into a daemon. */
final class BusyboxImage {

    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private BusyboxImage() {}

    static void importInto(Http http, Path temp, String ref) {
        if (!Files.isExecutable(BUSYBOX)) {
            String why = "no static busybox at " + BUSYBOX + " (Debian busybox-static)";
            if (Repo.inCi()) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        Path archive = temp.resolve("busybox-" + Math.abs(ref.hashCode()) + ".oci.tar");
        Cli.Result built = Cli.exec(List.of(Repo.root().resolve("scripts/busybox-image").toString(), archive.toString(),
                ref), temp);
        assertThat(built.exit()).as(built.err()).isZero();
        Http.Reply imported = http.postJson("/v1/images/import", Map.of("path", archive.toString(), "name", ref));
        assertThat(imported.status()).as(imported.body()).isEqualTo(200);
    }
}
