package dev.gatehouse.broker.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.RecordingUpstream;
import dev.gatehouse.broker.testing.TestIdp;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workload tokens from a real OIDC provider on loopback (discovery, JWKS, Nimbus-signed tokens):
 * each kind of bad token is refused with 401 and a reason, and nothing reaches the upstream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkloadIdentityTest {

    private static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";

    private TestIdp idp;
    private RecordingUpstream upstream;
    private TestStack stack;
    private String audience;
    private int deadPort;

    @BeforeAll
    void start() throws Exception {
        idp = TestIdp.start();
        upstream = RecordingUpstream.start();
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        stack = TestStack.start("""
                identity:
                  issuers:
                    - issuer: %s
                      keyRefreshInterval: 500ms
                      staticGroups:
                        admins: [boss@example.com]
                    - issuer: http://127.0.0.1:%d
                upstreams:
                  - name: rec
                    url: %s
                policies:
                  - name: admin tools need the admin scope
                    tools: ["admin_*"]
                    scopes: [crm.admin]
                    action: allow
                  - name: admins reset caches
                    tools: ["reset_*"]
                    groups: [admins]
                    action: allow
                  - name: agents may list
                    tools: ["*"]
                    groups: [agents]
                    action: allow
                """.formatted(idp.issuer(), deadPort, upstream.url()));
        audience = stack.baseUrl() + "/mcp";
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
        idp.close();
    }

    @BeforeEach
    void forget() {
        upstream.clear();
    }

    private HttpResponse<String> call(String token) {
        return stack.raw("rec").bearer(token).post(TOOLS_LIST);
    }

    /** Refused with 401 and one of {@code reasons}. */
    private void assertRefused(String token, String... reasons) {
        HttpResponse<String> response = call(token);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).contains("error=\"invalid_token\"");
        assertThat(RawMcp.message(response).path("error").path("message").asText()).containsAnyOf(reasons);
        assertThat(upstream.received()).as("nothing forwarded").isEmpty();
    }

    /** No key fits the token: either no key matches its kid and algorithm, or a refetch for one came too soon. */
    private static final String[] NO_FITTING_KEY = {"signature or algorithm is not accepted", "is not among"};

    @Test
    void acceptsAValidTokenAndReadsItsGroups() {
        HttpResponse<String> response = call(idp.sign(idp.claims("ci-bot", audience, "agents").build()));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(1);
        assertThat(upstream.received().getFirst().headers()).doesNotContainKey("authorization");
    }

    @Test
    void acceptsATokenForThisUpstreamsOwnResourceUri() {
        assertThat(call(idp.sign(idp.claims("ci-bot", audience + "/rec", "agents").build())).statusCode()).isEqualTo(200);
    }

    @Test
    void refusesAMalformedToken() {
        assertRefused("not.a.jwt", "not a signed JWT");
    }

    @Test
    void refusesAlgNone() {
        assertRefused(new PlainJWT(idp.claims("ci-bot", audience, "agents").build()).serialize(), "not a signed JWT");
    }

    @Test
    void refusesHs256SignedWithTheRsaPublicKey() throws JOSEException {
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(idp.currentKey().getKeyID()).build(),
                idp.claims("ci-bot", audience, "agents").build());
        forged.sign(new MACSigner(idp.currentKey().toRSAPublicKey().getEncoded()));
        assertRefused(forged.serialize(), NO_FITTING_KEY);
    }

    @Test
    void refusesAnAllZeroEcdsaSignature() {
        // The IdP publishes a real P-256 key with this kid: only the signature check can refuse this
        // (CVE-2022-21449, "psychic signatures").
        String header = Base64URL.encode("{\"alg\":\"ES256\",\"kid\":\"" + idp.ecKey().getKeyID() + "\"}").toString();
        String payload = Base64URL.encode(idp.claims("ci-bot", audience, "agents").build().toString()
                .getBytes(StandardCharsets.UTF_8)).toString();
        assertRefused(header + "." + payload + "." + Base64URL.encode(new byte[64]), "Invalid signature");
    }

    @Test
    void refusesAWrongIssuer() {
        assertRefused(idp.sign(idp.claims("ci-bot", audience, "agents").issuer("https://evil.example").build()),
                "tokens from issuer https://evil.example are not trusted here");
    }

    @Test
    void refusesAWrongAudience() {
        assertRefused(idp.sign(idp.claims("ci-bot", "https://other.example/mcp", "agents").build()), "aud claim rejected");
    }

    @Test
    void refusesATokenForAnotherUpstreamsResourceUri() {
        assertRefused(idp.sign(idp.claims("ci-bot", audience + "/billing", "agents").build()), "aud claim rejected");
    }

    @Test
    void refusesAnExpiredToken() {
        Instant past = Instant.now().minus(Duration.ofHours(2));
        assertRefused(idp.sign(idp.claims("ci-bot", audience, "agents").issueTime(Date.from(past))
                .notBeforeTime(Date.from(past)).expirationTime(Date.from(past.plus(Duration.ofMinutes(5)))).build()), "expired");
    }

    @Test
    void refusesATokenNotYetValid() {
        assertRefused(idp.sign(idp.claims("ci-bot", audience, "agents")
                .notBeforeTime(Date.from(Instant.now().plus(Duration.ofHours(1)))).build()), "before use time");
    }

    @Test
    void refusesATokenWithoutSubject() {
        assertRefused(idp.sign(idp.claims("ci-bot", audience, "agents").subject(null).build()), "sub");
    }

    @Test
    void ignoresKeysTheTokenBringsAlongInJwkOrJku() {
        RSAKey attacker = TestIdp.newKey();
        String token = TestIdp.sign(idp.claims("ci-bot", audience, "agents").build(), attacker,
                header -> header.jwk(attacker.toPublicJWK()).jwkURL(URI.create("http://127.0.0.1:9/jwks.json")));
        assertRefused(token, NO_FITTING_KEY);
    }

    @Test
    void fetchesRotatedKeysOnAnUnknownKidWithoutRestart() throws Exception {
        assertThat(call(idp.sign(idp.claims("before-rotation", audience, "agents").build())).statusCode()).isEqualTo(200);
        idp.rotate();
        String rotated = idp.sign(idp.claims("after-rotation", audience, "agents").build());
        // Refetches are rate-limited (500 ms here), so the first try may come too soon after the last fetch.
        int status = 0;
        for (int attempt = 0; attempt < 20 && status != 200; attempt++) {
            status = call(rotated).statusCode();
            if (status != 200) {
                Thread.sleep(250);
            }
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void aFloodOfUnknownKidsCannotHammerTheIdp() {
        java.util.List<RSAKey> strangers = java.util.stream.Stream.generate(TestIdp::newKey).limit(20).toList();
        int before = idp.jwksFetches();
        long started = System.nanoTime();
        for (RSAKey stranger : strangers) {
            HttpResponse<String> response = call(TestIdp.sign(idp.claims("flooder", audience, "agents").build(), stranger, h -> h));
            assertThat(response.statusCode()).isEqualTo(401);
        }
        long intervals = Duration.ofNanos(System.nanoTime() - started).toMillis() / 500;
        // Nimbus's limiter allows two fetches per keyRefreshInterval (500 ms here), however many unknown kids
        // arrive: 20 unknown kids in a few intervals must not mean 20 fetches.
        assertThat(idp.jwksFetches() - before).isLessThanOrEqualTo(2 * ((int) intervals + 1)).isLessThan(20);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void answers503NotA401WhenTheIssuerCannotBeReached() {
        RSAKey someKey = TestIdp.newKey();
        String token = TestIdp.sign(idp.claims("ci-bot", audience, "agents").issuer("http://127.0.0.1:" + deadPort).build(),
                someKey, header -> header);
        HttpResponse<String> response = call(token);
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).contains("5");
        assertThat(RawMcp.message(response).path("error").path("code").asInt()).isEqualTo(-32036);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void asksForTheScopeAPolicyNeedsWith403InsufficientScope() {
        String call = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"admin_reset\"}}";
        HttpResponse<String> without = stack.raw("rec").bearer(idp.sign(idp.claims("ops", audience, "agents")
                .claim("scope", "crm.read").build())).post(call);
        assertThat(without.statusCode()).isEqualTo(403);
        assertThat(without.headers().firstValue("WWW-Authenticate").orElse(""))
                .startsWith("Bearer error=\"insufficient_scope\", scope=\"crm.admin\", resource_metadata=");
        assertThat(RawMcp.message(without).path("error").path("message").asText())
                .contains("needs token scopes crm.admin (policy 'admin tools need the admin scope')");
        assertThat(upstream.received()).isEmpty();

        HttpResponse<String> with = stack.raw("rec").bearer(idp.sign(idp.claims("ops", audience, "agents")
                .claim("scope", "crm.read crm.admin").build())).post(call);
        assertThat(with.statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void refusesATokenIssuedInTheFuture() {
        assertRefused(idp.sign(idp.claims("ci-bot", audience, "agents")
                .issueTime(Date.from(Instant.now().plus(Duration.ofHours(1)))).build()), "issued in the future");
    }

    @Test
    void refusesABlankSubject() {
        assertRefused(idp.sign(idp.claims("ci-bot", audience, "agents").subject(" ").build()), "sub must be a non-empty string");
    }

    @Test
    void acceptsRfc9068AccessTokens() {
        String token = TestIdp.sign(idp.claims("ci-bot", audience, "agents").build(), idp.currentKey(),
                header -> header.type(new com.nimbusds.jose.JOSEObjectType("at+jwt")));
        assertThat(call(token).statusCode()).isEqualTo(200);
    }

    @Test
    void grantsStaticGroupsByEmailOnlyWhenTheIdpVerifiedIt() {
        String reset = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"reset_cache\"}}";
        String unverified = idp.sign(idp.claims("mallory", audience).claim("email", "boss@example.com")
                .claim("email_verified", false).build());
        assertThat(RawMcp.message(stack.raw("rec").bearer(unverified).post(reset)).path("error").path("message").asText())
                .contains("denied by policy 'default deny'");
        assertThat(upstream.received()).isEmpty();

        String verified = idp.sign(idp.claims("boss", audience).claim("email", "boss@example.com")
                .claim("email_verified", true).build());
        assertThat(stack.raw("rec").bearer(verified).post(reset).statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void challengesAMissingTokenWithoutAnErrorCode() {
        HttpResponse<String> response = stack.raw("rec").post(TOOLS_LIST);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElse(""))
                .startsWith("Bearer resource_metadata=").doesNotContain("error=");
    }
}
