package dev.vulcan.cli;

import java.io.IOException;

/** vulcan image inspect REF: GET /v1/images/{ref}. */
final class ImageInspectCommand extends ImageRefCommand {

    ImageInspectCommand(VulcanCommand root) {
        super(root, "inspect", "Show one image of the node's store.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get(imagePath()), (image, out) -> ImageCommand.details(image).print(out));
    }
}
