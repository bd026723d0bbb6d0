package dev.gatehouse.broker.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.config.HttpUrl;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The web UI's OIDC provider: its endpoints, found by discovery on first use (so the broker starts
 * while the IdP is briefly down) and then kept, and the authorization-code exchange. Thread-safe.
 */
final class OidcProvider {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String issuer;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private volatile Endpoints endpoints;

    record Endpoints(URI authorization, URI token) {
    }

    OidcProvider(String issuer, HttpClient http) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.http = Objects.requireNonNull(http, "http");
    }

    String issuer() {
        return issuer;
    }

    /** @throws LoginFailed when discovery fails: the IdP is down or its document lacks an endpoint */
    Endpoints endpoints() {
        Endpoints known = endpoints;
        if (known != null) {
            return known;
        }
        JsonNode doc = getJson(URI.create(issuer + "/.well-known/openid-configuration"), "the discovery document");
        if (!issuer.equals(doc.path("issuer").asText())) {
            throw new LoginFailed("the discovery document of " + issuer + " names issuer '" + doc.path("issuer").asText() + "'");
        }
        Endpoints found = new Endpoints(endpoint(doc, "authorization_endpoint"), endpoint(doc, "token_endpoint"));
        endpoints = found;
        return found;
    }

    /** The ID token the code is traded for. */
    String exchange(String code, String verifier, String redirectUri, String clientId, String clientSecret) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        form.put("code_verifier", verifier);
        form.put("client_id", clientId);
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoints().token())
                .timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form.entrySet().stream()
                        .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                        .collect(Collectors.joining("&"))));
        if (clientSecret != null) {
            // client_secret_basic (RFC 6749 2.3.1): both parts form-encoded, then base64.
            String basic = encode(clientId) + ":" + encode(clientSecret);
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> response = send(request.build(), "the token endpoint");
        if (response.statusCode() != 200 && response.statusCode() != 400 && response.statusCode() != 401) {
            throw new LoginFailed("the token endpoint of " + issuer + " answered HTTP " + response.statusCode());
        }
        JsonNode body = parse(response.body(), "the token endpoint");
        if (response.statusCode() != 200) {
            throw new LoginFailed(issuer + " refused the sign-in code: " + body.path("error").asText("HTTP " + response.statusCode())
                    + (body.hasNonNull("error_description") ? " (" + body.get("error_description").asText() + ")" : ""));
        }
        if (!body.path("id_token").isTextual()) {
            throw new LoginFailed(issuer + "'s token endpoint sent no id_token (is the openid scope allowed for this client?)");
        }
        return body.get("id_token").asText();
    }

    private JsonNode getJson(URI uri, String what) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").GET().build(),
                what);
        if (response.statusCode() != 200) {
            throw new LoginFailed(what + " of " + issuer + " answered HTTP " + response.statusCode());
        }
        return parse(response.body(), what);
    }

    private HttpResponse<String> send(HttpRequest request, String what) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new LoginFailed(what + " of " + issuer + " cannot be reached (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoginFailed("interrupted while asking " + what + " of " + issuer);
        }
    }

    private JsonNode parse(String body, String what) {
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw new LoginFailed(what + " of " + issuer + " did not answer with a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new LoginFailed(what + " of " + issuer + " did not answer with JSON");
        }
    }

    private URI endpoint(JsonNode doc, String name) {
        String value = doc.path(name).asText("");
        if (value.isEmpty()) {
            throw new LoginFailed("the discovery document of " + issuer + " has no " + name);
        }
        HttpUrl url;
        try {
            url = HttpUrl.parse(value);
        } catch (IllegalArgumentException e) {
            throw new LoginFailed("the discovery document of " + issuer + " names " + name + " '" + value + "', which " + e.getMessage());
        }
        // The code and the client secret travel to the token endpoint: never in clear, as for the issuer itself.
        if (!url.isHttpsOrLoopback()) {
            throw new LoginFailed("the discovery document of " + issuer + " names a plain-http " + name + "; it must be https");
        }
        return url.uri();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
