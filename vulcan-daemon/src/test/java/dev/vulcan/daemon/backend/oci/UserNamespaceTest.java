package dev.vulcan.daemon.backend.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shifting a layer's owners into the remapped range (runs as root, like the daemon). */
class UserNamespaceTest {

    @TempDir
    Path dir;

    @Test
    void ownersAreShiftedAndSetIdBitsSurvive() throws IOException {
        Path layer = Files.createDirectories(dir.resolve("layer/bin"));
        Path tool = Files.writeString(layer.resolve("tool"), "x");
        Files.setAttribute(tool, "unix:gid", 5);
        Files.setAttribute(tool, "unix:mode", 04755);
        Files.createSymbolicLink(layer.resolve("link"), Path.of("tool"));

        List<Path> shifted = UserNamespace.shiftedLayers(List.of(dir.resolve("layer")), dir.resolve("out"),
                new ProcessRunner.Native());

        Path copy = shifted.getFirst();
        assertThat(Files.getAttribute(copy, "unix:uid")).isEqualTo(100_000);
        assertThat(Files.getAttribute(copy.resolve("bin/tool"), "unix:uid")).isEqualTo(100_000);
        assertThat(Files.getAttribute(copy.resolve("bin/tool"), "unix:gid")).isEqualTo(100_005);
        assertThat((Integer) Files.getAttribute(copy.resolve("bin/tool"), "unix:mode") & 07777).isEqualTo(04755);
        assertThat(Files.getAttribute(copy.resolve("bin/link"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(100_000);
        assertThat(Files.getAttribute(tool, "unix:uid")).as("the original layer is untouched").isEqualTo(0);
    }

    @Test
    void anOwnerOutsideTheRangeIsRefused() throws IOException {
        Path layer = Files.createDirectories(dir.resolve("far"));
        Files.setAttribute(Files.writeString(layer.resolve("f"), "x"), "unix:uid", 70_000);

        assertThatThrownBy(() -> UserNamespace.shift(layer)).isInstanceOf(IOException.class)
                .hasMessageContaining("outside the container's id range");
    }
}
