package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The io dir of one code workload, mounted at /vulcan/io: the daemon writes the code and input.json,
 * the image's entrypoint writes result.json ({"output": ...} or {"error": {"code", "message", "stack"}});
 * a shell script leaves syntax.txt when it does not parse. Everything in it is the workload's to write,
 * so it is read without following links and with a size cap.
 */
public final class CodeIo {

    public static final String INPUT = "input.json";
    public static final String RESULT = "result.json";
    public static final String SYNTAX = "syntax.txt";
    public static final long MAX_RESULT_BYTES = 16L * 1024 * 1024;
    /** The codes an entrypoint may report; anything else in result.json was not written by it. */
    static final Set<String> ERROR_CODES = Set.of("exception", "syntax_error", "no_handler", "no_default_export",
            "invalid_output");

    private CodeIo() {}

    /** Creates the io dir with the code and the input. */
    static void prepare(Path io, CodeImage code, String source, String inputJson) throws IOException {
        Files.createDirectories(io);
        Files.writeString(io.resolve(code.codeFile()), source == null ? "" : source, StandardCharsets.UTF_8);
        Files.writeString(io.resolve(INPUT), inputJson == null ? "null" : inputJson, StandardCharsets.UTF_8);
    }

    /** How a code container that exited (not timed out, not OOM-killed) ended, from what it left in io. */
    public static Outcome outcome(CodeImage code, Path io, int exitCode, String stdout, Duration elapsed, JsonMapper json)
            throws IOException {
        if (!code.writesResult()) {
            Optional<String> syntax = read(io.resolve(SYNTAX));
            if (syntax.isPresent()) {
                String text = syntax.get().replace(CodeImage.IO_MOUNT + "/", "").strip();
                String first = text.isEmpty() ? "the script does not parse" : text.lines().findFirst().orElseThrow();
                return new Outcome.Failed("syntax_error", first, text, elapsed);
            }
            return new Outcome.Exited(exitCode, json.writeValueAsString(stdout), elapsed);
        }
        Path resultFile = io.resolve(RESULT);
        if (Files.isRegularFile(resultFile, LinkOption.NOFOLLOW_LINKS) && Files.size(resultFile) > MAX_RESULT_BYTES) {
            return new Outcome.Failed("invalid_output", "the output is larger than " + MAX_RESULT_BYTES / (1024 * 1024)
                    + " MiB", null, elapsed);
        }
        Optional<String> result = read(resultFile);
        if (result.isEmpty()) {
            return exitCode != 0 ? new Outcome.Exited(exitCode, "null", elapsed)
                    : new Outcome.Failed("no_result", "the process exited before returning a result", null, elapsed);
        }
        JsonNode node;
        try {
            node = json.readTree(result.get());
        } catch (JacksonException e) {
            return malformed(elapsed);
        }
        if (node.has("output") && node.size() == 1) {
            return new Outcome.Completed(json.writeValueAsString(node.get("output")), elapsed);
        }
        JsonNode error = node.path("error");
        String reason = error.path("code").asString("");
        if (node.size() != 1 || !ERROR_CODES.contains(reason)) {
            return malformed(elapsed);
        }
        String stack = error.path("stack").asString("");
        return new Outcome.Failed(reason, error.path("message").asString(""), stack.isEmpty() ? null : stack, elapsed);
    }

    private static Outcome malformed(Duration elapsed) {
        return new Outcome.Failed("invalid_output", "the result file " + CodeImage.IO_MOUNT + "/" + RESULT
                + " is not what the entrypoint writes (did the code write it?)", null, elapsed);
    }

    /** A regular file's text (at most the cap); empty when missing or not a regular file (a link the workload planted). */
    private static Optional<String> read(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_RESULT_BYTES) {
            return Optional.empty();
        }
        return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    }
}
