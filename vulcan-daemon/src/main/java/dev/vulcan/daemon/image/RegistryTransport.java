package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.UnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The connection to one registry as {@link RegistryTrust} allows it: verified HTTPS (the JDK's CAs
 * plus the registry's own from the CA dirs), or for an insecure registry whichever it speaks of
 * plain HTTP and unverified HTTPS. Also turns I/O failures into errors a user can act on.
 */
final class RegistryTransport implements AutoCloseable {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http;
    private final URI base;
    private final boolean owned;
    private final String registry;
    private final String caHint;

    private RegistryTransport(HttpClient http, URI base, boolean owned, String registry, String caHint) {
        this.http = http;
        this.base = base;
        this.owned = owned;
        this.registry = registry;
        this.caHint = caHint;
    }

    /** A client without automatic redirects (the registry client follows them itself). */
    static HttpClient client(SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (tls != null) {
            builder.sslContext(tls);
        }
        return builder.build();
    }

    /**
     * Opens the way to {@code registry} (host[:port] of a reference) at {@code host}; {@code shared}
     * is used for verified HTTPS when no CA of its own is configured.
     */
    static RegistryTransport open(RegistryTrust trust, String registry, String host, HttpClient shared) throws IOException {
        String caHint = trust.caDirs().isEmpty() ? "a CA dir" : trust.caDirs().getFirst().resolve(registry) + "/ca.crt";
        if (trust.isInsecure(registry)) {
            HttpClient http = client(trustingAnything());
            RegistryTransport plain = new RegistryTransport(http, URI.create("http://" + host + "/v2/"), true, registry, caHint);
            boolean speaksHttp = plain.speaksPlainHttp();
            return speaksHttp ? plain : new RegistryTransport(http, URI.create("https://" + host + "/v2/"), true, registry, caHint);
        }
        List<Path> cas = trust.caFiles(registry);
        URI base = URI.create("https://" + host + "/v2/");
        if (cas.isEmpty()) {
            return new RegistryTransport(shared, base, false, registry, caHint);
        }
        return new RegistryTransport(client(verifying(cas, registry)), base, true, registry, caHint);
    }

    URI base() {
        return base;
    }

    HttpResponse<InputStream> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw failure(e, request.uri());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("registry_unavailable", "interrupted while talking to registry " + registry);
        }
    }

    /**
     * Docker tries HTTPS first for an insecure registry; we ask GET /v2/ over plain HTTP first
     * instead, because a plain HTTP server may never answer a TLS hello. A TLS server answers a
     * plain request with 400 (Go's, as docker-registry) or drops it: then it is HTTPS.
     */
    private boolean speaksPlainHttp() {
        HttpRequest ping = HttpRequest.newBuilder(base).timeout(CONNECT_TIMEOUT).GET().build();
        try {
            HttpResponse<InputStream> response = http.send(ping, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return response.statusCode() != 400;
        } catch (IOException e) {
            if (isUnreachable(e)) {
                throw failure(e, base);
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("registry_unavailable", "interrupted while talking to registry " + registry);
        }
    }

    /** The error a user can act on for a failed exchange with the registry. */
    UnavailableException failure(IOException e, URI uri) {
        String where = uri.getScheme() + "://" + uri.getAuthority();
        if (isUnreachable(e)) {
            ConnectException refused = cause(e, ConnectException.class);
            String why = refused == null ? describe(e) : refused.getMessage() == null ? "connection refused" : refused.getMessage();
            return new UnavailableException("registry_unreachable", "registry " + registry + " is unreachable at " + where + ": " + why);
        }
        if (cause(e, CertificateException.class) != null) {
            return new UnavailableException("registry_certificate_untrusted", "registry " + registry + " at " + where
                    + " presented a TLS certificate the daemon does not trust (" + describe(cause(e, CertificateException.class))
                    + "); put the CA certificate that signed it in " + caHint
                    + ", or start the daemon with --insecure-registry " + registry);
        }
        if (cause(e, SSLException.class) != null) {
            return new UnavailableException("registry_tls_failed", "TLS with registry " + registry + " at " + where + " failed ("
                    + describe(cause(e, SSLException.class)) + "); if it serves plain HTTP, start the daemon with --insecure-registry "
                    + registry);
        }
        if (e instanceof HttpTimeoutException) {
            return new UnavailableException("registry_unavailable", "registry " + registry + " at " + where + " did not answer in time");
        }
        return new UnavailableException("registry_unavailable", "talking to registry " + registry + " at " + where + " failed: " + describe(e));
    }

    private static boolean isUnreachable(IOException e) {
        return cause(e, ConnectException.class) != null || cause(e, UnknownHostException.class) != null
                || cause(e, UnresolvedAddressException.class) != null;
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    @Override
    public void close() {
        if (owned) {
            http.close();
        }
    }

    /** The JDK's CAs plus the registry's own. */
    private static SSLContext verifying(List<Path> caFiles, String registry) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            int n = 0;
            for (TrustManager manager : system.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate ca : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("system-" + n++, ca);
                    }
                }
            }
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            for (Path file : caFiles) {
                try (InputStream in = Files.newInputStream(file)) {
                    var certificates = x509.generateCertificates(in);
                    if (certificates.isEmpty()) {
                        throw new CertificateException("no certificate in it");
                    }
                    for (Certificate ca : certificates) {
                        store.setCertificateEntry("registry-" + n++, ca);
                    }
                } catch (CertificateException e) {
                    throw new UnavailableException("registry_ca_invalid",
                            "the CA file " + file + " for registry " + registry + " is not a PEM certificate: " + describe(e));
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for registry " + registry, e);
        }
    }

    /** For insecure registries only: any certificate, any name (the X509Extended methods skip the host check too). */
    private static SSLContext trustingAnything() {
        X509ExtendedTrustManager anything = new X509ExtendedTrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            @Override public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {anything}, null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available in this JDK", e);
        }
    }
}
