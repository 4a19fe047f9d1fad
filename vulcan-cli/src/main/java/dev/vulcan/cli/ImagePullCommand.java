package dev.vulcan.cli;

import java.io.IOException;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * vulcan image pull REF: POST /v1/images/pull, drawing the progress events as they come (a bar
 * per blob on a terminal, a line per blob elsewhere), then one line with the image.
 */
final class ImagePullCommand extends ImageRefCommand {

    ImagePullCommand(VulcanCommand root) {
        super(root, "pull", "Pull an image (linux/amd64) from its registry into the node's store.",
                "Registries are spoken to over HTTPS, verified against the system CAs and the daemon's"
                        + " STATE_DIR/certs.d/HOST:PORT/ca.crt; insecure registries (the daemon's --insecure-registry,"
                        + " and loopback) may serve plain HTTP or an unverified certificate.");
    }

    @Override
    public Integer call() throws IOException {
        Map<String, String> body = Map.of("ref", Specs.parameter(spec));
        if (root.json()) {
            return show(root.client().post("/v1/images/pull", body), (image, out) -> out.println(image));
        }
        DaemonClient client = root.client();
        Environment environment = root.environment();
        PullRenderer renderer = new PullRenderer(root.out(), environment.terminal().getAsBoolean(), environment.columns());
        JsonNode[] pulled = {null};
        client.streamPost("/v1/images/pull", body, event -> {
            switch (event.event()) {
                case "progress" -> {
                    JsonNode p = client.mapper().readTree(event.data());
                    renderer.progress(Fields.text(p, "digest"), Fields.text(p, "state"), p.path("done_bytes").asLong(),
                            p.path("total_bytes").asLong());
                }
                case "pulled" -> pulled[0] = client.mapper().readTree(event.data());
                case "error" -> throw client.error(event.data(), 422);
                default -> { } // an event this CLI does not know yet
            }
            return pulled[0] == null;
        });
        if (pulled[0] == null) {
            throw new IOException("the pull's event stream ended before the image was stored");
        }
        renderer.pulled(Fields.text(pulled[0], "ref"), Fields.text(pulled[0], "digest"), pulled[0].path("size_bytes").asLong());
        return 0;
    }
}
