package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.image.Digest;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The parts of an image's config a container needs: Env, WorkingDir, Entrypoint and Cmd. */
public record ImageConfig(List<String> env, String workingDir, List<String> entrypoint, List<String> cmd) {

    public ImageConfig {
        env = List.copyOf(env);
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        workingDir = workingDir == null || workingDir.isEmpty() ? "/" : workingDir;
    }

    /** Reads the stored config of an image (manifest, then config blob, from the store's OCI layout). */
    public static ImageConfig read(ImageStore store, ImageReference ref, JsonMapper json) throws IOException {
        Digest manifestDigest = store.get(ref).manifest();
        JsonNode manifest = json.readTree(Files.readAllBytes(blob(store, manifestDigest)));
        Digest configDigest = Digest.parse(manifest.path("config").path("digest").asString());
        JsonNode config = json.readTree(Files.readAllBytes(blob(store, configDigest))).path("config");
        return new ImageConfig(strings(config.path("Env")), config.path("WorkingDir").asString(""),
                strings(config.path("Entrypoint")), strings(config.path("Cmd")));
    }

    /**
     * The process argv Docker-style: a shell command runs as {@code /bin/sh -c CMD}; exec-form args replace
     * the image's Cmd after its Entrypoint; with neither, Entrypoint + Cmd.
     */
    public List<String> argv(String shellCmd, List<String> args) {
        List<String> argv = new ArrayList<>();
        if (shellCmd != null) {
            return ExecutionRequest.ImageCommand.shell(shellCmd);
        }
        argv.addAll(entrypoint);
        argv.addAll(args == null || args.isEmpty() ? cmd : args);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("the image has no Entrypoint or Cmd and no command was given");
        }
        return argv;
    }

    private static Path blob(ImageStore store, Digest digest) {
        return store.root().resolve("blobs/sha256").resolve(digest.hex());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asString());
        }
        return out;
    }
}
