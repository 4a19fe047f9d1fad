package dev.vulcan.cli;

import java.io.IOException;
import java.util.Map;

/** vulcan image pull REF: POST /v1/images/pull, waiting until the image is stored. */
final class ImagePullCommand extends ImageRefCommand {

    ImagePullCommand(VulcanCommand root) {
        super(root, "pull", "Pull an image (linux/amd64) from its registry into the node's store.",
                "Loopback registries are spoken to over plain HTTP, others over HTTPS.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().post("/v1/images/pull", Map.of("ref", Specs.parameter(spec))),
                (image, out) -> ImageCommand.details(image).print(out));
    }
}
