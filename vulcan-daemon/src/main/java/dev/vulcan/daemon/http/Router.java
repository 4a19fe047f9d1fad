package dev.vulcan.daemon.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Method + path templates ("/v1/workloads/{id}") to handlers. */
final class Router {

    @FunctionalInterface
    interface Handler {
        void handle(Exchange exchange) throws Exception;
    }

    record Route(String method, String template, String[] segments, Handler handler) {}

    record Match(Route route, Map<String, String> params) {}

    private final List<Route> routes = new ArrayList<>();

    Router add(String method, String template, Handler handler) {
        routes.add(new Route(method, template, split(template), handler));
        return this;
    }

    /** The matching route, or empty; allowedMethods collects methods of routes whose path matched. */
    Optional<Match> match(String method, String path, List<String> allowedMethods) {
        String[] parts = split(path);
        for (Route route : routes) {
            Map<String, String> params = matchPath(route.segments(), parts);
            if (params == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return Optional.of(new Match(route, params));
            }
            allowedMethods.add(route.method());
        }
        return Optional.empty();
    }

    private static Map<String, String> matchPath(String[] template, String[] parts) {
        if (template.length != parts.length) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{") && t.endsWith("}")) {
                params.put(t.substring(1, t.length() - 1), parts[i]);
            } else if (!t.equals(parts[i])) {
                return null;
            }
        }
        return params;
    }

    private static String[] split(String path) {
        return java.util.Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }
}
