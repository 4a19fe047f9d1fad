package dev.vulcan.daemon.backend.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class BaseImagesTest {

    @TempDir
    Path dir;

    @Test
    void aRuntimeWithoutItsImageAnywhereIsUnavailableAndSaysHowToBuildIt() throws IOException {
        ImageStore store = ImageStore.open(dir.resolve("images"), JsonMapper.builder().build(), dev.vulcan.daemon.image.RegistryTrust.defaults(dir.resolve("certs.d")));
        BaseImages base = new BaseImages(store, dir.resolve("no-base-images"));
        assertThatThrownBy(() -> base.ensure(CodeImage.PYTHON))
                .isInstanceOfSatisfying(UnavailableException.class, e -> assertThat(e.code()).isEqualTo("base_image_missing"))
                .hasMessageContaining("vulcan/python:3")
                .hasMessageContaining(dir.resolve("no-base-images/python.oci.tar").toString())
                .hasMessageContaining("scripts/base-images");
    }
}
