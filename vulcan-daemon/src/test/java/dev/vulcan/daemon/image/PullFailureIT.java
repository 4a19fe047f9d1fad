package dev.vulcan.daemon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.error.VulcanException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every way a pull can fail on bad input, each with a clear error and the store exactly as it was
 * before (no blob, layer dir, tmp file or index change), against a fake registry that serves
 * broken images no real registry would keep. The store already holds one image, so "as it was"
 * is not simply "empty".
 */
class PullFailureIT {

    @TempDir
    Path tmp;

    private final JsonMapper json = JsonMapper.builder().build();
    private FakeRegistry registry;
    private ImageStore store;
    private Path mounted;

    @BeforeEach
    void setUp() throws IOException {
        registry = new FakeRegistry();
        store = new ImageStore(tmp.resolve("store"), json, RegistryTrust.defaults(tmp.resolve("certs.d")));
        store.pull(registry.serve("fake/present", "1", FakeRegistry.Image.ofTars(List.of(tar("present", "here\n")))),
                PullProgress.NONE);
    }

    @AfterEach
    void tearDown() throws Exception {
        registry.close();
        if (mounted != null) {
            Process umount = new ProcessBuilder("umount", mounted.toString()).inheritIO().start();
            assertThat(umount.waitFor(30, TimeUnit.SECONDS) && umount.exitValue() == 0).as("umount " + mounted).isTrue();
        }
    }

    @Test
    void unknownImageIsNotFound() throws IOException {
        expectFailure(ImageReference.parse(registry.address() + "/fake/absent:1"), NotFoundException.class, "image_not_found",
                "fake/absent");
    }

    @Test
    void registryDownIsUnreachableAndNamesHostAndPort() throws IOException {
        String down = "127.0.0.1:" + TestRegistry.freePort();
        expectFailure(ImageReference.parse(down + "/fake/any:1"), UnavailableException.class, "registry_unreachable", down);
    }

    @Test
    void truncatedLayerIsRefused() throws IOException {
        byte[] big = tar("big", random(200_000));
        FakeRegistry.Image image = FakeRegistry.Image.ofTars(List.of(big));
        ImageReference ref = registry.serve("fake/truncated", "1", image);
        Digest layer = layers(image).getFirst();
        registry.truncate(layer, 1000);

        expectFailure(ref, InvalidException.class, "truncated_blob", "ended after 1000 of");
    }

    @Test
    void wrongDigestIsRefused() throws IOException {
        FakeRegistry.Image image = FakeRegistry.Image.ofTars(List.of(tar("a", "the real content\n")));
        ImageReference ref = registry.serve("fake/wrong", "1", image);
        Digest layer = layers(image).getFirst();
        byte[] other = image.blobs().get(layer).clone();
        other[other.length / 2] ^= 0x5a;
        registry.replace(layer, other);

        expectFailure(ref, InvalidException.class, "digest_mismatch", "arrived with digest");
    }

    @Test
    void layerThatIsNotGzipIsCorruptAndTheGoodLayerBeforeItIsTakenBack() throws IOException {
        byte[] good = TarBuilder.gzip(tar("good", "fine\n"));
        byte[] broken = new byte[4096];
        new Random(7).nextBytes(broken);
        broken[0] = 0x1f; // gzip's magic, then nonsense
        broken[1] = (byte) 0x8b;
        FakeRegistry.Image image = FakeRegistry.Image.of(List.of(good, broken),
                List.of(Digest.of(tar("good", "fine\n")), Digest.of(new byte[] {1})));
        ImageReference ref = registry.serve("fake/corrupt", "1", image);

        expectFailure(ref, InvalidException.class, "corrupt_layer", "not a valid (gzipped) tar");
    }

    @Test
    void gzipOfSomethingThatIsNotATarIsCorrupt() throws IOException {
        byte[] notTar = "this is text, not a tar archive at all; ".repeat(100).getBytes(StandardCharsets.UTF_8);
        FakeRegistry.Image image = FakeRegistry.Image.of(List.of(TarBuilder.gzip(notTar)), List.of(Digest.of(notTar)));

        expectFailure(registry.serve("fake/nottar", "1", image), InvalidException.class, "corrupt_layer", "not a valid");
    }

    @Test
    void diskFullWhileUnpackingIsInsufficientStorageAndTheStoreWorksAfterwards() throws Exception {
        useSmallDisk();
        // 6 MB of zeros: a gzipped blob of a few KB that does not fit the 2 MB disk once unpacked
        ImageReference ref = registry.serve("fake/zeros", "1",
                FakeRegistry.Image.ofTars(List.of(new TarBuilder().file("zeros", new byte[6 << 20], 0100644).build())));

        expectFailure(ref, UnavailableException.class, "insufficient_storage", "ran out of disk space");

        ImageSummary small = store.pull(registry.serve("fake/small", "1", FakeRegistry.Image.ofTars(List.of(tar("s", "small\n")))),
                PullProgress.NONE);
        assertThat(store.unpack(small.reference()).getFirst().resolve("s")).hasContent("small");
    }

    @Test
    void diskFullWhileDownloadingIsInsufficientStorage() throws Exception {
        useSmallDisk();
        ImageReference ref = registry.serve("fake/noise", "1", FakeRegistry.Image.ofTars(List.of(tar("noise", random(3 << 20)))));

        expectFailure(ref, UnavailableException.class, "insufficient_storage", "ran out of disk space");
    }

    /** The pull fails with this class, code and message part, and the store is exactly as before. */
    private void expectFailure(ImageReference ref, Class<? extends VulcanException> type, String code, String message)
            throws IOException {
        StoreSnapshot before = StoreSnapshot.of(store.root());
        List<ImageSummary> images = store.list();

        assertThatThrownBy(() -> store.pull(ref, PullProgress.NONE))
                .isInstanceOf(type)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((VulcanException) e).code()).isEqualTo(code));

        assertThat(StoreSnapshot.of(store.root())).isEqualTo(before);
        assertThat(store.list()).isEqualTo(images);
    }

    /** Puts the store on a fresh 2 MB tmpfs holding one small image, as setUp's store does. */
    private void useSmallDisk() throws Exception {
        Path disk = Files.createDirectories(tmp.resolve("small-disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean ok = mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0;
        if (!ok && !"true".equals(System.getenv("CI"))) {
            Assumptions.abort("cannot mount a tmpfs here (needs root): " + output);
        }
        assertThat(ok).as("mount -t tmpfs: " + output).isTrue();
        mounted = disk;
        store = new ImageStore(disk.resolve("store"), json, RegistryTrust.defaults(tmp.resolve("certs.d")));
        store.pull(registry.serve("fake/present", "1", FakeRegistry.Image.ofTars(List.of(tar("present", "here\n")))),
                PullProgress.NONE);
    }

    private List<Digest> layers(FakeRegistry.Image image) {
        return ImageManifest.parse(json, image.manifest()).layers().stream().map(Descriptor::digest).toList();
    }

    private static byte[] tar(String name, String content) {
        return new TarBuilder().file(name, content).build();
    }

    private static byte[] tar(String name, byte[] content) {
        return new TarBuilder().file(name, content, 0100644).build();
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

}
