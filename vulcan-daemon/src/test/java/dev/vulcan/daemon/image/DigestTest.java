package dev.vulcan.daemon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {

    @Test
    void computesAndParses() {
        Digest empty = Digest.of(new byte[0]);
        assertThat(empty.toString()).isEqualTo("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Digest.parse(empty.toString())).isEqualTo(empty);
        assertThat(Digest.of("abc".getBytes(StandardCharsets.UTF_8)).hex())
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void refusesMalformed() {
        for (String bad : new String[] {"sha256:", "sha256:" + "A".repeat(64), "sha256:" + "a".repeat(63), "sha512:" + "a".repeat(64),
                "a".repeat(64), "sha256:" + "g".repeat(64)}) {
            assertThatThrownBy(() -> Digest.parse(bad)).as(bad).isInstanceOf(InvalidException.class);
        }
        assertThatThrownBy(() -> new Digest("../../etc")).isInstanceOf(InvalidException.class);
    }
}
