package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * GETs against one repository of an OCI distribution registry: anonymous, or with a Bearer token
 * fetched from the realm a 401's WWW-Authenticate names (the Docker token flow). Redirects (blob
 * storage on another host) are followed without the Authorization header. Failures map to the
 * error family (see {@link RegistryTransport#failure}); 404 -> not found.
 */
final class RegistryClient {

    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final RegistryTransport transport;
    private final JsonMapper json;
    private final URI base;
    private final String registry;
    private final String repository;
    private String authorization;

    RegistryClient(RegistryTransport transport, JsonMapper json, ImageReference ref) {
        this.transport = transport;
        this.json = json;
        this.registry = ref.registry();
        this.repository = ref.repository();
        this.base = transport.base();
    }

    /** The host a reference's registry name stands for (Docker Hub's API lives elsewhere). */
    static String host(String registry) {
        return registry.equals(ImageReference.DOCKER_HUB) ? "registry-1.docker.io" : registry;
    }

    /** GET /v2/&lt;repo&gt;/&lt;path&gt;; the caller closes the body. 2xx only, else a mapped error. */
    HttpResponse<InputStream> get(String path, String accept) {
        URI uri = base.resolve(repository + "/" + path);
        HttpResponse<InputStream> response = send(uri, accept, true);
        if (response.statusCode() == 401) {
            String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
            drain(response);
            authenticate(challenge);
            response = send(uri, accept, true);
        }
        for (int hops = 0; isRedirect(response.statusCode()) && hops < 5; hops++) {
            URI next = uri.resolve(response.headers().firstValue("Location").orElseThrow(
                    () -> new UnavailableException("registry_error", "registry " + registry + " redirected without a Location")));
            drain(response);
            uri = next;
            response = send(uri, accept, false);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return response;
        }
        String body = errorBody(response);
        if (status == 404) {
            throw new NotFoundException("image_not_found", "not found in " + registry + "/" + repository + ": " + path + body);
        }
        if (status == 401 || status == 403) {
            throw new UnavailableException("registry_unauthorized",
                    "registry " + registry + " refused access to " + repository + " (HTTP " + status + ")" + body);
        }
        throw new UnavailableException("registry_error", "registry " + registry + " answered HTTP " + status + " for " + path + body);
    }

    private HttpResponse<InputStream> send(URI uri, String accept, boolean withAuth) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().header("Accept", accept);
        if (withAuth && authorization != null) {
            request.header("Authorization", authorization);
        }
        return transport.send(request.build());
    }

    /** Answers a 401: Bearer -> anonymous token from the realm; Basic -> no credentials configured. */
    private void authenticate(String challenge) {
        String lower = challenge.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("bearer")) {
            Map<String, String> params = new LinkedHashMap<>();
            Matcher m = PARAM.matcher(challenge);
            while (m.find()) {
                params.put(m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2));
            }
            String realm = params.get("realm");
            if (realm == null) {
                throw new UnavailableException("registry_unauthorized", "registry " + registry + " sent a Bearer challenge without a realm");
            }
            String scope = params.getOrDefault("scope", "repository:" + repository + ":pull");
            StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?')
                    .append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
            if (params.containsKey("service")) {
                url.append("&service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
            }
            HttpResponse<InputStream> response = send(URI.create(url.toString()), "application/json", false);
            if (response.statusCode() != 200) {
                throw new UnavailableException("registry_unauthorized",
                        "token service " + realm + " answered HTTP " + response.statusCode() + errorBody(response));
            }
            try (InputStream in = response.body()) {
                JsonNode token = json.readTree(in);
                String value = token.path("token").asString(token.path("access_token").asString(""));
                if (value.isEmpty()) {
                    throw new UnavailableException("registry_unauthorized", "token service " + realm + " returned no token");
                }
                authorization = "Bearer " + value;
            } catch (IOException e) {
                throw transport.failure(e, URI.create(realm));
            }
        } else if (lower.startsWith("basic")) {
            throw new UnavailableException("registry_unauthorized",
                    "registry " + registry + " requires Basic credentials for " + repository + " and anonymous access was refused");
        } else {
            throw new UnavailableException("registry_unauthorized",
                    "registry " + registry + " refused anonymous access with an unsupported challenge: " + challenge);
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static void drain(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the connection is dropped instead of reused; nothing to recover
        }
    }

    private static String errorBody(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            String text = new String(in.readNBytes(512), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "" : " (" + text + ")";
        } catch (IOException e) {
            return "";
        }
    }

}
