package dev.vulcan.cli;

import java.io.IOException;

/** vulcan image rm REF: DELETE /v1/images/{ref}. */
final class ImageRmCommand extends ImageRefCommand {

    ImageRmCommand(VulcanCommand root) {
        super(root, "rm", "Remove an image's reference from the store; `vulcan image gc` frees its blobs and layers.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().delete(imagePath()), (image, out) -> out.println("removed " + Fields.text(image, "ref")));
    }
}
