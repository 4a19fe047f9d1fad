package dev.vulcan.daemon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.vulcan.daemon.error.InvalidException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {

    @TempDir
    Path tmp;

    private Path layers;
    private final List<String> marks = new ArrayList<>();

    /** Records overlay marks instead of making them, so these tests run without root. */
    private final SpecialFiles recording = new SpecialFiles() {
        @Override
        public void mknod(Path path, int type, int permissions, int major, int minor) throws IOException {
            marks.add("mknod " + layers.relativize(path).subpath(1, layers.relativize(path).getNameCount()) + " " + type + " " + major + "/" + minor);
            Files.createFile(path);
        }

        @Override
        public String getXattr(Path path, String name) {
            return null;
        }

        @Override
        public void setXattr(Path path, String name, String value) {
            marks.add("xattr " + layers.relativize(path).subpath(1, layers.relativize(path).getNameCount()) + " " + name + "=" + value);
        }
    };

    @BeforeEach
    void setUp() {
        layers = tmp.resolve("layers");
    }

    private Path unpack(byte[] tar, SpecialFiles special) throws IOException {
        Path blob = tmp.resolve("blob-" + System.nanoTime());
        Files.write(blob, tar);
        return new LayerUnpacker(layers, special).unpack(blob, Digest.of(tar));
    }

    @Test
    void unpacksFilesDirsLinksAndModes() throws IOException {
        byte[] tar = new TarBuilder().dir("bin").file("bin/tool", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0104755)
                .symlink("bin/sh", "/bin/tool").hardlink("bin/tool2", "bin/tool").file("./etc/motd", "hi").build();
        Path dir = unpack(tar, recording);
        assertThat(dir.getFileName().toString()).isEqualTo(Digest.of(tar).hex());
        assertThat(dir.resolve("etc/motd")).hasContent("hi");
        assertThat(Files.readSymbolicLink(dir.resolve("bin/sh"))).isEqualTo(Path.of("/bin/tool"));
        assertThat(Files.isSameFile(dir.resolve("bin/tool"), dir.resolve("bin/tool2"))).isTrue();
        assertThat((Integer) Files.getAttribute(dir.resolve("bin/tool"), "unix:mode") & 07777).isEqualTo(04755);
    }

    @Test
    void secondUnpackOfTheSameLayerDoesNothing() throws IOException {
        byte[] tar = new TarBuilder().file("a", "1").build();
        Path first = unpack(tar, recording);
        Files.writeString(first.resolve("marker"), "kept");
        Path second = unpack(tar, recording);
        assertThat(second).isEqualTo(first);
        assertThat(second.resolve("marker")).hasContent("kept");
    }

    @Test
    void gzippedLayersUnpackAndVerifyTheUncompressedDiffId() throws IOException {
        byte[] plain = new TarBuilder().file("x/y", "z").build();
        Path blob = tmp.resolve("gz");
        Files.write(blob, TarBuilder.gzip(plain));
        Path dir = new LayerUnpacker(layers, recording).unpack(blob, Digest.of(plain));
        assertThat(dir.resolve("x/y")).hasContent("z");
    }

    @Test
    void wrongDiffIdLeavesNothing() throws IOException {
        byte[] tar = new TarBuilder().file("a", "1").build();
        Path blob = tmp.resolve("blob");
        Files.write(blob, tar);
        Digest wrong = Digest.of(new byte[] {1});
        assertThatThrownBy(() -> new LayerUnpacker(layers, recording).unpack(blob, wrong))
                .isInstanceOf(InvalidException.class).hasMessageContaining("diff_id");
        assertThat(entries(layers)).isEmpty();
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesBecomeOverlayMarks() throws IOException {
        byte[] tar = new TarBuilder().dir("etc").file("etc/.wh.passwd", "").dir("var/cache")
                .file("var/cache/.wh..wh..opq", "").file("var/cache/new", "n")
                .file("keep", "k").file(".wh.keep", "") // a whiteout never hides the same layer's file
                .build();
        Path dir = unpack(tar, recording);
        assertThat(marks).containsExactlyInAnyOrder(
                "mknod etc/passwd " + SpecialFiles.S_IFCHR + " 0/0",
                "xattr var/cache trusted.overlay.opaque=y");
        assertThat(dir.resolve("var/cache/new")).hasContent("n");
        assertThat(dir.resolve("keep")).hasContent("k");
        assertThat(dir.resolve("etc/.wh.passwd")).doesNotExist();
        assertThat(dir.resolve("var/cache/.wh..wh..opq")).doesNotExist();
    }

    @Test
    void realWhiteoutIsACharDevice00AndOpaqueIsTheTrustedXattr() throws IOException {
        assumeThat(Files.getAttribute(Path.of("/proc/self"), "unix:uid")).as("needs root for mknod and trusted xattrs").isEqualTo(0);
        byte[] tar = new TarBuilder().dir("etc").file("etc/.wh.passwd", "").dir("opq").file("opq/.wh..wh..opq", "").build();
        Path dir = unpack(tar, new SpecialFiles.Native());
        Path whiteout = dir.resolve("etc/passwd");
        int mode = (Integer) Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertThat(mode & 0170000).isEqualTo(SpecialFiles.S_IFCHR);
        assertThat((Long) Files.getAttribute(whiteout, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isZero();
        assertThat(new SpecialFiles.Native().getXattr(dir.resolve("opq"), "trusted.overlay.opaque")).isEqualTo("y");
        assertThat(new SpecialFiles.Native().getXattr(dir.resolve("etc"), "trusted.overlay.opaque")).isNull();
    }

    @Test
    void failingToMakeAWhiteoutSaysSoAndLeavesNothing() {
        SpecialFiles refusing = new SpecialFiles() {
            @Override
            public void mknod(Path path, int type, int permissions, int major, int minor) throws IOException {
                throw new IOException("mknod " + path + " failed: EPERM");
            }

            @Override
            public void setXattr(Path path, String name, String value) {}

            @Override
            public String getXattr(Path path, String name) {
                return null;
            }
        };
        byte[] tar = new TarBuilder().file(".wh.gone", "").build();
        assertThatThrownBy(() -> unpack(tar, refusing)).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot create the whiteout .wh.gone").hasMessageContaining("EPERM");
        assertThat(entries(layers)).isEmpty();
    }

    @Test
    void refusesDotDot() {
        assertUnsafe(new TarBuilder().file("a/../../escape", "x").build(), "..");
    }

    @Test
    void refusesAbsolutePaths() {
        assertUnsafe(new TarBuilder().file("/etc/escape", "x").build(), "absolute");
    }

    @Test
    void refusesWritingThroughASymlinkThatPointsOut() {
        Path outside = tmp.resolve("outside");
        assertUnsafe(new TarBuilder().symlink("link", outside.toString()).file("link/escape", "x").build(), "symlink");
        assertThat(outside.resolve("escape")).doesNotExist();
        assertUnsafe(new TarBuilder().symlink("up", "..").file("up/escape", "x").build(), "symlink");
        assertThat(layers.resolve("escape")).doesNotExist();
    }

    @Test
    void replacesASymlinkInsteadOfWritingThroughIt() throws IOException {
        Path victim = tmp.resolve("victim");
        Files.writeString(victim, "safe");
        byte[] tar = new TarBuilder().symlink("f", victim.toString()).file("f", "layer").build();
        Path dir = unpack(tar, recording);
        assertThat(victim).hasContent("safe");
        assertThat(dir.resolve("f")).hasContent("layer");
    }

    @Test
    void refusesHardlinksToOutside() throws IOException {
        Path outside = tmp.resolve("secret");
        Files.writeString(outside, "s");
        assertUnsafe(new TarBuilder().hardlink("h", "../secret").build(), "..");
        assertUnsafe(new TarBuilder().hardlink("h", outside.toString()).build(), "absolute");
        assertUnsafe(new TarBuilder().symlink("d", tmp.toString()).hardlink("h", "d/secret").build(), "symlink");
    }

    private void assertUnsafe(byte[] tar, String why) {
        assertThatThrownBy(() -> unpack(tar, recording))
                .isInstanceOf(InvalidException.class)
                .hasMessageContaining(why)
                .satisfies(e -> assertThat(((InvalidException) e).code()).isEqualTo("unsafe_layer"));
        assertThat(entries(layers)).as("nothing half-unpacked").isEmpty();
    }

    private static List<Path> entries(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
