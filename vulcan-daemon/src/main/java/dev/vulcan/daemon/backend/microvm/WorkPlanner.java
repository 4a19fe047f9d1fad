package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.backend.oci.BaseImages;
import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.backend.oci.ImageConfig;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import tools.jackson.databind.json.JsonMapper;

/** Turns a request into what its VM runs: the image's command and config, or code in its runtime's base image. */
final class WorkPlanner {

    private final ImageStore images;
    private final BaseImages baseImages;
    private final JsonMapper json;

    WorkPlanner(ImageStore images, BaseImages baseImages, JsonMapper json) {
        this.images = images;
        this.baseImages = baseImages;
        this.json = json;
    }

    GuestWork plan(ExecutionRequest request) throws IOException {
        if (request.image() != null) {
            ExecutionRequest.ImageCommand command = request.image();
            ImageReference ref = ImageReference.parse(command.ref());
            ImageConfig config = ImageConfig.read(images, ref, json);
            var argv = command.shellForm() ? config.argv(command.argv().getFirst(), null) : config.argv(null, command.argv());
            return new GuestWork.InImage(ref, argv, GuestWork.env(config.env()), config.workingDir());
        }
        byte[] archive = request.codeArchive();
        if (request.runtime() == Runtime.SHELL && archive == null) {
            return new GuestWork.Shell(request.code());
        }
        CodeImage code = CodeImage.of(request.runtime()).orElseThrow(() -> new IllegalArgumentException(
                "microvm has no image for runtime " + request.runtime().wire()));
        return new GuestWork.Code(code, baseImages.ensure(code), request.code(), archive);
    }
}
