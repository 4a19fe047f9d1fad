package dev.vulcan.daemon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

    private static final String HEX = "a".repeat(64);

    @Test
    void dockerHubDefaults() {
        ImageReference ref = ImageReference.parse("busybox");
        assertThat(ref).isEqualTo(new ImageReference("docker.io", "library/busybox", "latest", null));
        assertThat(ref.toString()).isEqualTo("docker.io/library/busybox:latest");
        assertThat(ImageReference.parse("nginx/unit:1.2").repository()).isEqualTo("nginx/unit");
        assertThat(ImageReference.parse("index.docker.io/library/busybox:1").registry()).isEqualTo("docker.io");
    }

    @Test
    void registriesWithPortsAndLocalhost() {
        assertThat(ImageReference.parse("127.0.0.1:5000/test/busybox:1"))
                .isEqualTo(new ImageReference("127.0.0.1:5000", "test/busybox", "1", null));
        assertThat(ImageReference.parse("localhost/app")).isEqualTo(new ImageReference("localhost", "app", "latest", null));
        assertThat(ImageReference.parse("localhost:5000/app:v2").registry()).isEqualTo("localhost:5000");
        assertThat(ImageReference.parse("ghcr.io/owner/repo/sub:tag").repository()).isEqualTo("owner/repo/sub");
        assertThat(ImageReference.parse("[::1]:5000/app:1").registry()).isEqualTo("[::1]:5000");
    }

    @Test
    void digestsWithAndWithoutTag() {
        ImageReference pinned = ImageReference.parse("busybox@sha256:" + HEX);
        assertThat(pinned.tag()).isNull();
        assertThat(pinned.digest()).isEqualTo(new Digest(HEX));
        assertThat(pinned.manifestReference()).isEqualTo("sha256:" + HEX);
        ImageReference both = ImageReference.parse("localhost:5000/busybox:1.36@sha256:" + HEX);
        assertThat(both.tag()).isEqualTo("1.36");
        assertThat(both.toString()).isEqualTo("localhost:5000/busybox:1.36@sha256:" + HEX);
        assertThat(ImageReference.parse(both.toString())).isEqualTo(both);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "Busybox", "busybox:", "busybox:-x", "busy box", "a//b", "busybox@sha256:abc",
            "busybox@md5:" + "a", "-x/y", "host:port:x/y", "registry.io/Repo"})
    void refusesBadReferences(String text) {
        assertThatThrownBy(() -> ImageReference.parse(text))
                .isInstanceOf(InvalidException.class)
                .satisfies(e -> assertThat(((InvalidException) e).code()).isEqualTo("invalid_reference"));
    }
}
