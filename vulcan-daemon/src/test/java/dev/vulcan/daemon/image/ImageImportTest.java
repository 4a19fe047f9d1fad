package dev.vulcan.daemon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ImageImportTest {

    @TempDir
    Path tmp;

    private final JsonMapper json = JsonMapper.builder().build();
    private ImageStore store;
    private final byte[] base = new TarBuilder().dir("bin").file("bin/hello", "hello").dir("etc").file("etc/passwd", "root").build();
    private final byte[] top = new TarBuilder().file("etc/hostname", "vulcan").build();

    @BeforeEach
    void setUp() throws IOException {
        store = new ImageStore(tmp.resolve("store"), json, RegistryTrust.defaults(tmp.resolve("certs.d")), new NoSpecialFiles());
    }

    @Test
    void dockerSaveBecomesAnOciManifestInTheStore() throws IOException {
        Path archive = tmp.resolve("save.tar");
        Files.write(archive, TestImages.dockerSave("busybox:1.36", List.of(base, top)));

        List<ImageSummary> imported = store.importImage(archive, null);

        ImageReference ref = ImageReference.parse("busybox:1.36");
        assertThat(imported).singleElement().satisfies(s -> assertThat(s.reference()).isEqualTo(ref));
        JsonNode manifest = json.readTree(Files.readAllBytes(blob(imported.getFirst().manifest())));
        assertThat(manifest.path("mediaType").asString()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(manifest.path("config").path("mediaType").asString()).isEqualTo(MediaTypes.OCI_CONFIG);
        assertThat(manifest.path("layers").get(0).path("mediaType").asString()).isEqualTo(MediaTypes.OCI_LAYER);
        assertThat(manifest.path("layers").get(0).path("digest").asString()).isEqualTo(Digest.of(base).toString());
        assertThat(store.list()).extracting(ImageSummary::reference).containsExactly(ref);

        List<Path> layers = store.unpack(ref);
        assertThat(layers).hasSize(2);
        assertThat(layers.get(0).resolve("bin/hello")).hasContent("hello");
        assertThat(layers.get(1).resolve("etc/hostname")).hasContent("vulcan");
        JsonNode index = json.readTree(Files.readAllBytes(store.root().resolve("index.json")));
        assertThat(index.path("manifests").get(0).path("annotations").path("org.opencontainers.image.ref.name").asString())
                .isEqualTo("docker.io/library/busybox:1.36");
        assertThat(store.root().resolve("oci-layout")).exists();
    }

    @Test
    void ociArchiveAndLayoutDirectory() throws IOException {
        Path layout = tmp.resolve("layout");
        Digest manifest = TestImages.ociLayout(layout, "1", List.of(base));
        Path archive = tmp.resolve("image.oci.tar");
        Files.write(archive, TestImages.tarOf(layout));

        assertThatThrownBy(() -> store.importImage(archive, null)).isInstanceOf(InvalidException.class)
                .hasMessageContaining("--name");
        ImageReference named = ImageReference.parse("localhost/test/busybox:1");
        assertThat(store.importImage(archive, named)).singleElement()
                .satisfies(s -> assertThat(s.manifest()).isEqualTo(manifest));
        assertThat(store.unpack(named).getFirst().resolve("etc/passwd")).hasContent("root");

        ImageReference fromDir = ImageReference.parse("example.com/dir:2");
        store.importImage(layout, fromDir);
        assertThat(store.list()).extracting(ImageSummary::reference).containsExactlyInAnyOrder(named, fromDir);
    }

    @Test
    void corruptBlobInAnArchiveIsRefusedAndNothingIsReferenced() throws IOException {
        Path layout = tmp.resolve("layout");
        TestImages.ociLayout(layout, "example.com/x:1", List.of(base));
        try (var files = Files.list(layout.resolve("blobs/sha256"))) {
            for (Path blob : files.toList()) {
                if (Files.size(blob) > 100 && !Files.readString(blob, java.nio.charset.StandardCharsets.ISO_8859_1).startsWith("{")) {
                    byte[] bytes = Files.readAllBytes(blob);
                    bytes[bytes.length / 2] ^= 0x5a;
                    Files.write(blob, bytes); // the layer blob no longer matches its digest (same size)
                }
            }
        }
        assertThatThrownBy(() -> store.importImage(layout, null)).isInstanceOf(InvalidException.class)
                .satisfies(e -> assertThat(((InvalidException) e).code()).isEqualTo("digest_mismatch"));
        assertThat(store.list()).isEmpty();
        assertThat(store.root().resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void removeAndGc() throws IOException {
        Path a = tmp.resolve("a.tar");
        Files.write(a, TestImages.dockerSave("a:1", List.of(base)));
        Path b = tmp.resolve("b.tar");
        Files.write(b, TestImages.dockerSave("b:1", List.of(base, top)));
        store.importImage(a, null);
        store.importImage(b, null);
        store.unpack(ImageReference.parse("a:1"));
        List<Path> bLayers = store.unpack(ImageReference.parse("b:1"));

        assertThat(store.gc()).isEqualTo(new GcResult(0, 0, 0));
        store.remove(ImageReference.parse("b:1"));
        assertThatThrownBy(() -> store.remove(ImageReference.parse("b:1"))).isInstanceOf(NotFoundException.class);
        GcResult result = store.gc();

        assertThat(result.blobs()).isEqualTo(3); // b's manifest, config and top layer; the base layer is shared
        assertThat(result.layers()).isEqualTo(1);
        assertThat(bLayers.get(0)).exists();
        assertThat(bLayers.get(1)).doesNotExist();
        assertThat(store.unpack(ImageReference.parse("a:1")).getFirst().resolve("bin/hello")).hasContent("hello");
        assertThatThrownBy(() -> store.unpack(ImageReference.parse("b:1"))).isInstanceOf(NotFoundException.class);
    }

    @Test
    void notAnImage() throws IOException {
        Path junk = tmp.resolve("junk.tar");
        Files.write(junk, new TarBuilder().file("readme", "x").build());
        assertThatThrownBy(() -> store.importImage(junk, null)).isInstanceOf(InvalidException.class)
                .hasMessageContaining("docker save");
        assertThatThrownBy(() -> store.importImage(tmp.resolve("missing"), null)).isInstanceOf(NotFoundException.class);
    }

    private Path blob(Digest digest) {
        return store.root().resolve("blobs/sha256").resolve(digest.hex());
    }

    /** Layers here have no whiteouts; any attempt to make one fails the test. */
    static final class NoSpecialFiles implements SpecialFiles {
        @Override
        public void mknod(Path path, int type, int permissions, int major, int minor) throws IOException {
            throw new IOException("unexpected mknod " + path);
        }

        @Override
        public void setXattr(Path path, String name, String value) throws IOException {
            throw new IOException("unexpected setxattr " + path);
        }

        @Override
        public String getXattr(Path path, String name) {
            return null;
        }
    }
}
