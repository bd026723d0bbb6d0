package dev.gatehouse.broker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A web UI sign-in as a browser makes it, over real HTTP and redirect by redirect: {@code /ui/login}
 * (which binds the login to this browser with a cookie) → the dev issuer's page → its form →
 * {@code /ui/callback} → the session cookie. Then the JSON API with that cookie, with or without the
 * CSRF token. Each instance is one browser with its cookie jar. Not thread-safe.
 */
public final class WebSignIn {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private String setCookie;
    private String csrfToken;

    public WebSignIn(URI base) {
        this.base = base;
    }

    /** Where {@code /ui/login} sends the browser: the IdP's authorization request. */
    public URI startLogin(String returnTo) {
        HttpResponse<String> login = send(HttpRequest.newBuilder(URI.create(base + "/ui/login?returnTo=" + encode(returnTo))).GET());
        assertThat(login.statusCode()).as("GET /ui/login: %s", login.body()).isEqualTo(302);
        return URI.create(login.headers().firstValue("Location").orElseThrow());
    }

    /** Picks a person on the dev issuer's page for {@code authorization}; returns the callback the issuer redirects to. */
    public URI pick(URI authorization, String subject, String email, String groups) {
        Map<String, String> form = query(authorization);
        form.put("sub", subject);
        form.put("email", email);
        form.put("groups", groups);
        HttpResponse<String> picked = send(HttpRequest.newBuilder(URI.create(base + "/dev/authorize"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(formBody(form))));
        assertThat(picked.statusCode()).as("POST /dev/authorize: %s", picked.body()).isEqualTo(303);
        return URI.create(picked.headers().firstValue("Location").orElseThrow());
    }

    /** Follows the IdP's redirect back; keeps the session cookie it sets. */
    public HttpResponse<String> callback(URI callback) {
        return send(HttpRequest.newBuilder(callback).GET());
    }

    /** Puts a cookie in this browser, as if it had been set here. */
    public void setCookie(String name, String value) {
        cookies.put(name, value);
    }

    /** The whole sign-in; afterwards {@link #csrfToken()} is known. */
    public WebSignIn signIn(String subject, String email, String groups) {
        HttpResponse<String> landed = callback(pick(startLogin("/ui/approvals"), subject, email, groups));
        assertThat(landed.statusCode()).as("the callback: %s", landed.body()).isEqualTo(303);
        csrfToken = me().path("csrfToken").asText();
        return this;
    }

    public JsonNode me() {
        HttpResponse<String> me = api("GET", "/api/me", null, false);
        assertThat(me.statusCode()).as("/api/me: %s", me.body()).isEqualTo(200);
        return json(me);
    }

    /** A request with this browser's cookie; {@code withCsrf} adds the sign-in's token as the UI does. */
    public HttpResponse<String> api(String method, String path, String body, boolean withCsrf) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (withCsrf && csrfToken != null) {
            request.header("X-CSRF-Token", csrfToken);
        }
        return send(request);
    }

    /** The session cookie, {@code name=value}, when signed in. */
    public Optional<String> cookie() {
        return cookies.entrySet().stream().filter(c -> !c.getKey().equals("gatehouse_login"))
                .map(c -> c.getKey() + "=" + c.getValue()).findFirst();
    }

    /** The whole {@code Set-Cookie} header of the sign-in, attributes included. */
    public String setCookieHeader() {
        return setCookie;
    }

    public String csrfToken() {
        return csrfToken;
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        if (!cookies.isEmpty()) {
            request.header("Cookie", cookies.entrySet().stream().map(c -> c.getKey() + "=" + c.getValue())
                    .collect(Collectors.joining("; ")));
        }
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            for (String header : response.headers().allValues("Set-Cookie")) {
                String[] nameValue = header.split(";", 2)[0].split("=", 2);
                if (header.contains("Max-Age=0")) {
                    cookies.remove(nameValue[0]);
                } else {
                    cookies.put(nameValue[0], nameValue.length > 1 ? nameValue[1] : "");
                    if (!nameValue[0].equals("gatehouse_login")) {
                        setCookie = header;
                    }
                }
            }
            return response;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return params;
    }

    private static String formBody(Map<String, String> form) {
        return form.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue())).collect(Collectors.joining("&"));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
