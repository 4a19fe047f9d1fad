package dev.vulcan.cli;

/** A command about one stored image, named by its REF parameter. */
abstract class ImageRefCommand extends Subcommand {

    ImageRefCommand(VulcanCommand root, String name, String... description) {
        super(root, name, description);
        spec.addPositional(Specs.parameter("REF", "the image's reference, e.g. busybox:1.36 or 127.0.0.1:5000/app:1"));
    }

    /** /v1/images/{REF}, the reference percent-encoded as one path segment. */
    final String imagePath() {
        return ImageCommand.path(Specs.parameter(spec));
    }
}
